net-destroy default; net-list; net-list --all
