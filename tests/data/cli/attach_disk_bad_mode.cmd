attach-disk test /x vdb --mode bogus
