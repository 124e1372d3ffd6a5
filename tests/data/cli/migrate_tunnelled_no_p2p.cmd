migrate test test:///default --tunnelled
