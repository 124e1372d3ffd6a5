pool-destroy default-pool; pool-list; pool-list --all --details
