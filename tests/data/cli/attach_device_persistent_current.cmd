attach-device test nosuch.xml --persistent --current
