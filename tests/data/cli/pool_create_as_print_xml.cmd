pool-create-as p3 netfs --source-host h --source-path /e --target /p3 --print-xml
