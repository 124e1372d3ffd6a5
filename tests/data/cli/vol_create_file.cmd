vol-create default-pool vol-raw.xml; vol-list default-pool --details
