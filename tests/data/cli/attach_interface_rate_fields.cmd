attach-interface test network default --inbound 1,2,3,4,5
