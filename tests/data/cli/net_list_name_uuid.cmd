net-list --all --name --uuid
