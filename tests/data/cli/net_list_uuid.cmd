net-define net-isolated.xml; net-list --all --uuid
