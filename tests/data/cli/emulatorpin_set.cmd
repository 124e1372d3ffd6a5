emulatorpin test 0-1; emulatorpin test
