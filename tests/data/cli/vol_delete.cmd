vol-create-as default-pool v1 1G; vol-delete v1 --pool default-pool; vol-list default-pool
