setvcpus test 3 --config
