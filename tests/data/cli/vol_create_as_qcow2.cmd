vol-create-as default-pool v1 1G --format qcow2; vol-dumpxml v1 --pool default-pool
