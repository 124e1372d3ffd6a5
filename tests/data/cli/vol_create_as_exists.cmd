vol-create-as default-pool v1 1G; vol-create-as default-pool v1 1G
