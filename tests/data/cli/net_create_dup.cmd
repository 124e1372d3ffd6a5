net-create net-dup.xml
