pool-define-as p netfs --source-protocol-ver 3 --print-xml
