pool-define-as p fs --source-dev /dev/x --auth-type chap --auth-username u --secret-usage s --adapter-name host0 --source-protocol-ver 3 --print-xml
