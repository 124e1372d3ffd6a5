migrate-setmaxdowntime test 0
