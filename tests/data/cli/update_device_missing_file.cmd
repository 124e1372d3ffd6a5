update-device test nosuch.xml
