migrate test test:///default --timeout abc --live
