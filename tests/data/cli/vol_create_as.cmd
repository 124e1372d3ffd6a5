vol-create-as default-pool v1 1G; vol-list default-pool
