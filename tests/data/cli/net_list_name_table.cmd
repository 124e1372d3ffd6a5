net-list --name --table
