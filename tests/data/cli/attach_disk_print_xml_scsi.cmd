attach-disk test /srv/disk.img sdb --sourcetype block --targetbus scsi --mode shareable --address scsi:0.0.3 --print-xml
