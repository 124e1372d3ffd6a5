help domid
