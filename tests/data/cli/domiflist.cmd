domiflist test
