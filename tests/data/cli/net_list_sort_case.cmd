net-define net-routed.xml; net-define net-isolated.xml; net-list --all; net-list --all --name
