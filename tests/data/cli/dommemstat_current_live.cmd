dommemstat test --current --live
