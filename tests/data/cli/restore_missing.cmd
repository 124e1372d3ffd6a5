restore nosuch.img
