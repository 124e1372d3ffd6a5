pool-define-as p9
