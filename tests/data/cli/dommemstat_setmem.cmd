setmem test 1000000; dommemstat test
