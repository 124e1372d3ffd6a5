vol-create-as default-pool v1 1G; vol-name v1
