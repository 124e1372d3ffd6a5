vol-create-as default-pool v1 5M; vol-list default-pool --details
