find-storage-pool-sources netfs
