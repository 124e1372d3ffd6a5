net-dumpxml default --xpath //@*
