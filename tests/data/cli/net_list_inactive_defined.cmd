net-define net-isolated.xml; net-list --inactive
