domifaddr test --source bogus
