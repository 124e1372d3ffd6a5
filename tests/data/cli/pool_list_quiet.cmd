pool-list --all --details
