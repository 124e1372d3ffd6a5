domifstat test
