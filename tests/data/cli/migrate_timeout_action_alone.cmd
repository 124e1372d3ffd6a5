migrate test test:///default --timeout-suspend
