pool-define-as p9 dir
