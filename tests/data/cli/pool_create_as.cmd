pool-create-as p3 dir --target /p3; pool-list --all
