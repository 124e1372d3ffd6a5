pool-list --name --uuid
