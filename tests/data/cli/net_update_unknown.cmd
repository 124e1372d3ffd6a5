net-update nosuch add ip-dhcp-host "<host/>"
