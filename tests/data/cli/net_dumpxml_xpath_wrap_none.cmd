net-dumpxml default --xpath //nothing --wrap
