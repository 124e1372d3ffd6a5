net-define net-routed.xml; net-dumpxml Routed; net-info Routed
