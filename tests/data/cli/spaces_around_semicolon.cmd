domid test ; domuuid test
