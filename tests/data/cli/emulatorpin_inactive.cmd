define foo.xml; emulatorpin foo 0-2 --config; emulatorpin foo
