pool-list --all --no-autostart
