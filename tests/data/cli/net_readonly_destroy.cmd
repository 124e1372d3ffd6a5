net-destroy default; net-list
