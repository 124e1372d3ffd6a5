net-update default frob ip-dhcp-host "<host/>"
