detach-device test nosuch.xml
