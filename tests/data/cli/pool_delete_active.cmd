pool-delete default-pool
