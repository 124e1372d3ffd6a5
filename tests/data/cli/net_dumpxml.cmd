net-dumpxml default
