net-define net-isolated.xml; net-define net-isolated.xml; net-list --all
