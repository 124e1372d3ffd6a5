vol-create-as default-pool v1 1M; vol-create-as default-pool v2 1M; vol-create-as default-pool v3 1M; define storage-dom.xml; undefine vm --remove-all-storage; vol-list default-pool
