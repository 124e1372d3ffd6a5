emulatorpin test 1 --config; dumpxml test --inactive
