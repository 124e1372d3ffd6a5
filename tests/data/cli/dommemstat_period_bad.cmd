dommemstat test --period x
