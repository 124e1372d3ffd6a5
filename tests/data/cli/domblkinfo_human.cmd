domblkinfo test vda --human
