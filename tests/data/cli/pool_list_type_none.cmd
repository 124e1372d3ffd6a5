pool-list --all --type logical,fs
