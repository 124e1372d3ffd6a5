vol-create-as default-pool v1 1G --backing-vol /x/b --print-xml
