domrename test bar
