vol-create-as default-pool v1 1G; vol-wipe v1 --pool default-pool --algorithm foo
