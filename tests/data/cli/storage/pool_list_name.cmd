pool-list --name
