attach-interface test network default --inbound 0
