pool-list --inactive
