migrate test test:///default --timeout 5 --timeout-postcopy --live
