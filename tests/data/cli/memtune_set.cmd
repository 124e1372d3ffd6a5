memtune test --hard-limit 1G; memtune test
