pool-create nofile.xml
