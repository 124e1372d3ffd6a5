net-define net-dup.xml; net-list --all
