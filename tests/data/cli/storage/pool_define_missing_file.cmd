pool-define nofile.xml
