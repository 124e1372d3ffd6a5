net-autostart default; net-autostart default --disable
