vol-create-as default-pool v1 1G --allocation 10M --format qcow2 --prealloc-metadata --print-xml
