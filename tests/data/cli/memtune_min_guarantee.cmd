memtune test --min-guarantee 5
