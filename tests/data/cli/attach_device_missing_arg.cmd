attach-device test
