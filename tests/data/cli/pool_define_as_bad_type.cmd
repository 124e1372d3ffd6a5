pool-define-as p9 frob --target /x
