migrate test test:///default --timeout 5
