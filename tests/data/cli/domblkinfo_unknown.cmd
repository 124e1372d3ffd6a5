domblkinfo test vdb
