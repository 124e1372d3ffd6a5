pool-dumpxml default-pool --xpath //path
