attach-disk test /x
