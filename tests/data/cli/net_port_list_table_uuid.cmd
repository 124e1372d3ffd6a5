net-port-list default --table --uuid
