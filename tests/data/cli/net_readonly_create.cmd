net-create net-isolated.xml
