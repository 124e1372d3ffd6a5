vol-create-as default-pool v1 1G --allocation x
