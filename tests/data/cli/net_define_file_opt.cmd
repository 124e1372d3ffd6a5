net-define --file net-isolated.xml
