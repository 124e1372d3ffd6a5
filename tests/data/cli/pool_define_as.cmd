pool-define-as p2 dir --target /p2; pool-list --all --details
