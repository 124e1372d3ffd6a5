vol-create-as default-pool v1 1G; vol-resize v1 abc --pool default-pool
