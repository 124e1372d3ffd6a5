pool-info nope
