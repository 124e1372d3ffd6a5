domblklist test --details
