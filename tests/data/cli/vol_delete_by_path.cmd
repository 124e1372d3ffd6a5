vol-create-as default-pool v1 1G; vol-delete /default-pool/v1
