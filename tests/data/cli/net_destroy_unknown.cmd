net-destroy nosuch
