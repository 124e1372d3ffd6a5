pool-define-as p3 netfs --source-host nfs.example --source-path /export --source-format nfs --target /p3 --print-xml
