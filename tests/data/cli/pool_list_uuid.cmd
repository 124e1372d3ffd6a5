pool-list --uuid
