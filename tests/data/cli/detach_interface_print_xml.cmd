detach-interface test network --print-xml
