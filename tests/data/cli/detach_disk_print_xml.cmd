detach-disk test vda --print-xml
