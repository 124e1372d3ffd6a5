domblklist test
