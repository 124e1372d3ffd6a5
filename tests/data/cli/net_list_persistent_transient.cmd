net-create net-isolated.xml; net-list --persistent --transient
