domid test
