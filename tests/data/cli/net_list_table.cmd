net-list --table
