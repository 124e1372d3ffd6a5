attach-interface test direct eth0 --print-xml
