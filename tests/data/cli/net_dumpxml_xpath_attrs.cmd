net-dumpxml default --xpath //ip//@*
