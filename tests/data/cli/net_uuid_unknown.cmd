net-uuid nosuch
