attach-interface test network default --inbound abc
