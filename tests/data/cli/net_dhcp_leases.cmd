net-dhcp-leases default
