attach-interface test network
