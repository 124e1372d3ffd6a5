vol-create-as default-pool v1 1G; vol-clone v1 v3 --pool default-pool --print-xml
