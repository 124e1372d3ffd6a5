managedsave test; managedsave-remove test; dominfo test
