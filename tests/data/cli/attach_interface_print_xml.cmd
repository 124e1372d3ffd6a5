attach-interface test network default --print-xml
