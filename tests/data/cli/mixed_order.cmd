domstate --reason test
