setvcpus test 3
