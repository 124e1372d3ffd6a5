net-update default add ip-dhcp-host nosuch.xml
