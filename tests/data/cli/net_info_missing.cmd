net-info
