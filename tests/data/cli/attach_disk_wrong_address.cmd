attach-disk test /x vdb --address scsi:0.0.3
