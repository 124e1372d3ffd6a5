vol-list default-pool --details --pool default-pool
