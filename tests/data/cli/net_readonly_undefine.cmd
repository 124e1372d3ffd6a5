net-undefine default
