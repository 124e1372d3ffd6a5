domblkstat test vda --human
