attach-disk test /srv/disk.img hdb --address ide:0.0.1 --print-xml
