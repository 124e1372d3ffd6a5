net-dumpxml default --xpath //name/text() --wrap
