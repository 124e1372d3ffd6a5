vol-info /default-pool/nope
