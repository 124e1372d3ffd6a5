migrate-setmaxdowntime test abc
