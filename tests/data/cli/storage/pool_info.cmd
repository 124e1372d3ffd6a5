pool-info default-pool
