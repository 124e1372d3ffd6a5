emulatorpin test
