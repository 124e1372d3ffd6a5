pool-list --details --name
