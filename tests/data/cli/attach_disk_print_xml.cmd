attach-disk test /tmp/y.img vdc --print-xml
