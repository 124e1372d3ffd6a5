pool-start default-pool
