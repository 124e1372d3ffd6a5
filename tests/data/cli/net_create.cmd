net-create net-isolated.xml; net-list --all; net-info isolated
