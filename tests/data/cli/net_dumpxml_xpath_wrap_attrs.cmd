net-dumpxml default --xpath //@* --wrap
