domblkinfo test --all --human
