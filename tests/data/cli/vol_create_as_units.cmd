vol-create-as default-pool a 1500; vol-create-as default-pool b 3KiB; vol-create-as default-pool c 2MB; vol-list default-pool --details
