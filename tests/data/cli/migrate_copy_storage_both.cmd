migrate test test:///default --copy-storage-all --copy-storage-inc
