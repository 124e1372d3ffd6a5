vol-create-as default-pool v1 1G; vol-path v1 --pool default-pool; vol-key v1 --pool default-pool; vol-name /default-pool/v1; vol-pool /default-pool/v1; vol-pool --uuid /default-pool/v1
