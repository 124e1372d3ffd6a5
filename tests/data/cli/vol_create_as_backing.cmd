vol-create-as default-pool v1 1G; vol-create-as default-pool v2 1G --backing-vol v1 --backing-vol-format raw --format qcow2 --print-xml
