managedsave-remove test
