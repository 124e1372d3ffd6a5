memtune test --config
