emulatorpin test 99
