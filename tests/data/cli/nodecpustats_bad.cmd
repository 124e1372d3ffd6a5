nodecpustats --cpu x
