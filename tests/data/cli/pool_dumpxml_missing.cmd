pool-dumpxml nope
