net-dumpxml default --xpath //ip/@address
