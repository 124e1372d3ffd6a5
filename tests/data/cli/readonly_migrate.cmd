migrate test test:///default
