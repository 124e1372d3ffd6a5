vol-info nope --pool default-pool
