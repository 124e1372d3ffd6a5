attach-disk test /x vdb --address bogus
