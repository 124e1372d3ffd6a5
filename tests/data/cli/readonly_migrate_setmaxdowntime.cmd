migrate-setmaxdowntime test 5
