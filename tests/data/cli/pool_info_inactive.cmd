pool-destroy default-pool; pool-info default-pool
