dominfo nosuch; domid test
