pool-list --type dir
