migrate test test:///default --timeout-suspend --timeout-postcopy
