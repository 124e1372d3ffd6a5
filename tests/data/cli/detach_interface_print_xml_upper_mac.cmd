detach-interface test network --mac AA:BB:CC:DD:EE:FF --print-xml
