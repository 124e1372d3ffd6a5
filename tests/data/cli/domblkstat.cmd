domblkstat test vda
