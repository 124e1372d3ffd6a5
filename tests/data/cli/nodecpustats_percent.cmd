nodecpustats --percent
