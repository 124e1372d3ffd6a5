pool-define-as p iscsi --auth-type chap --auth-username u --secret-usage s --print-xml
