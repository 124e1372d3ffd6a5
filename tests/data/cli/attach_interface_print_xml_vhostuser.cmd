attach-interface test vhostuser /tmp/s --source-mode server --print-xml
