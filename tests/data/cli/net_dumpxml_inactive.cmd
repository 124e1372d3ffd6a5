net-dumpxml default --inactive
