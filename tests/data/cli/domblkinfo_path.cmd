domblkinfo test /guest/diskimage1
