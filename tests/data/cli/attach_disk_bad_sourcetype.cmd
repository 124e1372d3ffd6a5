attach-disk test /x vdb --sourcetype bogus
