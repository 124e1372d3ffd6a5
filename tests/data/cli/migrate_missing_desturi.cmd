migrate test
