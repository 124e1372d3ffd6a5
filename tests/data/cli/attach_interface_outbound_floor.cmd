attach-interface test network default --outbound 10,0,0,5
