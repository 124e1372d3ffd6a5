vol-create-as default-pool v1 abc
