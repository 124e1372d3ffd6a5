net-define net-isolated.xml; net-start isolated; net-list --all; net-destroy isolated; net-list --all
