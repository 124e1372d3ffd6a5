attach-disk test img vdb --sourcetype network
