migrate test test:///default --postcopy-after-precopy
