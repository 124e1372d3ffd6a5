net-define net-isolated.xml; net-info isolated
