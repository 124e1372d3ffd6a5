migrate test test:///default --timeout -1 --live
