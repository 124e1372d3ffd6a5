domifaddr test --source lease
