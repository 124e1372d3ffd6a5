domname 1
