net-create net-isolated.xml; net-destroy isolated; net-list --all; net-info isolated
