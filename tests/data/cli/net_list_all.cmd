net-list --all
