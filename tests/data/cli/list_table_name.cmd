list --name --table
