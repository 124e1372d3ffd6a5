pool-uuid default-pool
