net-dumpxml default --wrap
