define nosuch.xml
