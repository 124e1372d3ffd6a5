domid test; frob; domid test
