domblkstat test
