detach-disk test vdz
