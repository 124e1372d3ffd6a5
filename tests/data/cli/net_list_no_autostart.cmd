net-define net-isolated.xml; net-autostart default; net-list --all --no-autostart
