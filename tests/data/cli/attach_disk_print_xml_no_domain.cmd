attach-disk nosuch /x vdb --print-xml
