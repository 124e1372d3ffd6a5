net-define net-isolated.xml; net-undefine isolated; net-list --all
