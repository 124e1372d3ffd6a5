vol-create-as default-pool v1 1G; vol-dumpxml v1 --pool default-pool --xpath //capacity
