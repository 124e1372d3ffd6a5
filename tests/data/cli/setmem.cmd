setmem test 1048576; dominfo test
