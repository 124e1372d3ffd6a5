domifstat test aa:bb:cc:dd:ee:ff
