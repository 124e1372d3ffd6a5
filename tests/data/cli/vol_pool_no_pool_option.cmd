vol-pool v1 --pool default-pool
