pool-list --details --uuid
