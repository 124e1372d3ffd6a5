net-update default add ip-dhcp-host "<host/>" --parent-index abc
