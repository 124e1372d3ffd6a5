net-destroy default; net-list --all
