net-dumpxml default --xpath //nothing
