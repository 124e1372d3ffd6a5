net-list --inactive
