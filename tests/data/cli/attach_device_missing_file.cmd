attach-device test nosuch.xml
