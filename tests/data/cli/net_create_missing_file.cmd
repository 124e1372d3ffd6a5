net-create nosuch.xml
