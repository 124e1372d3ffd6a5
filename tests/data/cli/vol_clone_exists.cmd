vol-create-as default-pool v1 1G; vol-clone v1 v1 --pool default-pool
