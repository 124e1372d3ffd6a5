domid test; list extra
