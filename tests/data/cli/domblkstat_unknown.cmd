domblkstat test vdb
