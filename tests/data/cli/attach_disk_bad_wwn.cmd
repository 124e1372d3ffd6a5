attach-disk test /x vdb --wwn bad
