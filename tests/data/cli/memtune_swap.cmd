memtune test --hard-limit 1 --swap-hard-limit 0
