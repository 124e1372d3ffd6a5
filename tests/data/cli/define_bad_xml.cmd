define bad.xml
