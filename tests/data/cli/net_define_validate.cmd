net-define net-isolated.xml --validate
