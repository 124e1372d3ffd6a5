start test
