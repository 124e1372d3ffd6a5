pool-list --all
