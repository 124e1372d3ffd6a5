net-dhcp-leases default --mac 52:54:00:00:00:01
