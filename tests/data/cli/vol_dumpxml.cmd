vol-create-as default-pool v1 1G; vol-dumpxml /default-pool/v1
