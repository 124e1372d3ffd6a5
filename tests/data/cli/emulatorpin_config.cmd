emulatorpin test 1 --config; emulatorpin test; emulatorpin test --config
