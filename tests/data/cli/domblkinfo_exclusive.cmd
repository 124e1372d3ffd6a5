domblkinfo test vda --all
