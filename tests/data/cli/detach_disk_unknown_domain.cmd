detach-disk nosuch vda
