dommemstat test --period 2; dommemstat test
