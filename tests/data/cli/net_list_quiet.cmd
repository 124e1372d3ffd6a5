net-define net-isolated.xml; net-list --all; net-uuid isolated
