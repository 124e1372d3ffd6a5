net-update default add ip-dhcp-host "<host mac='52:54:00:00:00:01' ip='192.168.122.10'/>" --config; net-dumpxml default --xpath //dhcp
