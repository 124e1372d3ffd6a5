vol-list default-pool
