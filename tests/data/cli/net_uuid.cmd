net-uuid default
