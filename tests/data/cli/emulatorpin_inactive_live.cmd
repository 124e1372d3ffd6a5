define foo.xml; emulatorpin foo 1
