net-start nosuch
