nodecpustats --cpu 0
