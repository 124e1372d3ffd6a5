net-update default add dns-host "<host ip='192.168.122.2'><hostname>foo</hostname></host>"; net-dumpxml default --xpath //dns
