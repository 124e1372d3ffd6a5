attach-disk test /x vdb --current --live
