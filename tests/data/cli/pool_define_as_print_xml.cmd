pool-define-as p2 dir --target /p2 --print-xml
