vol-create-as default-pool v1 1G --print-xml
