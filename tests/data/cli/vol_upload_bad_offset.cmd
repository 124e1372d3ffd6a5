vol-create-as default-pool v1 1G; vol-upload v1 pool-dir.xml --pool default-pool --offset abc
