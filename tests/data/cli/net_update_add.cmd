net-update default add ip-dhcp-host "<host mac='52:54:00:00:00:01' name='vm1' ip='192.168.122.10'/>"; net-dumpxml default --xpath //dhcp
