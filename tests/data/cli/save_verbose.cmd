save test s.img --verbose
