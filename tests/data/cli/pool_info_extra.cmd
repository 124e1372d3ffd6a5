pool-info default-pool extra
