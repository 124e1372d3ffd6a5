net-dumpxml default --xpath //ip//@* --wrap
