net-destroy default; net-destroy default
