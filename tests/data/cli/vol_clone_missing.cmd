vol-clone nope v3 --pool default-pool
