net-define net-isolated.xml; net-dumpxml isolated
