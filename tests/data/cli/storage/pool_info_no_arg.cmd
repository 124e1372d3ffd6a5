pool-info
