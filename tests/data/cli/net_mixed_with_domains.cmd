net-list --all; list --all; net-info default
