vol-create-as default-pool v1 1M; vol-create-as default-pool v2 1M; define storage-dom.xml; undefine vm --storage vda,/elsewhere/x.img; vol-list default-pool
