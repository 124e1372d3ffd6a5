net-autostart default; net-info default; net-autostart default --disable; net-info default
