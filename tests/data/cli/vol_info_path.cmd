vol-create-as default-pool v1 1G; vol-info /default-pool/v1
