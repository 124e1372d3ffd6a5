vol-create-as default-pool v1 1G; vol-info v1 --pool default-pool --bytes
