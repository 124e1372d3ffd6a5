pool-autostart default-pool; pool-list --autostart
