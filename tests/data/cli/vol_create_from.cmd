vol-create-as default-pool v1 1G; vol-create-from default-pool vol-raw.xml v1 --inputpool default-pool; vol-list default-pool
