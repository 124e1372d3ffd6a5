domifstat test vnet9
