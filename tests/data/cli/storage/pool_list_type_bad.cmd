pool-list --type foo
