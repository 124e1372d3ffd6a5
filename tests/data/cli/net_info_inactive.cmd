net-destroy default; net-info default
