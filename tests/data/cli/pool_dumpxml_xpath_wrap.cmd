pool-dumpxml default-pool --xpath /pool/target/path --wrap
