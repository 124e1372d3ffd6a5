vol-create-as nope v1 1G
