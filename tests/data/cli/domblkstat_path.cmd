domblkstat test /guest/diskimage1
