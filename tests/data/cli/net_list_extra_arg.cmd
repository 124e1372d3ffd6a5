net-list extra
