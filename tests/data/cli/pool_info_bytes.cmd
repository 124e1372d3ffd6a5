pool-info default-pool --bytes
