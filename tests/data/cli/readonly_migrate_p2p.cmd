migrate test test:///default --p2p --live
