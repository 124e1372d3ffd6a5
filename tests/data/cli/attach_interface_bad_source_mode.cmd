attach-interface test direct eth0 --source-mode x
