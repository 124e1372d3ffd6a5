net-create net-isolated.xml; net-list --all --transient
