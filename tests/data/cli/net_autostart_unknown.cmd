net-autostart nosuch
