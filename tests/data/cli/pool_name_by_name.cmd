pool-name default-pool
