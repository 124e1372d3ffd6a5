vol-create-as default-pool v1 1G; vol-upload v1 nofile --pool default-pool
