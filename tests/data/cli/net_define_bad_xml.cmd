net-define net-bad.xml
