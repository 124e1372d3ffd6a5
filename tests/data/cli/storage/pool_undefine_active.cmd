pool-undefine default-pool
