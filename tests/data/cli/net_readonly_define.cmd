net-define net-isolated.xml
