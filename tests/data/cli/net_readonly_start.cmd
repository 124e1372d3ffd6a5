net-start default
