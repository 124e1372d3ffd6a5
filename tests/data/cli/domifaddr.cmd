domifaddr test
