vol-create default-pool nofile.xml
