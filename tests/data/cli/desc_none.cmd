desc test
