net-undefine nosuch
