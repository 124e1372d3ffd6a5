memtune test
