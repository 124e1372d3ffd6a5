net-update default add ip-dhcp-host net-host.xml; net-dumpxml default --xpath //host
