memtune test --hard-limit 100000; memtune test --hard-limit -1; memtune test
