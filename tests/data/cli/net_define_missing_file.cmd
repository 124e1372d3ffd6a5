net-define nosuch.xml
