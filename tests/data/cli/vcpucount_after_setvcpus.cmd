setvcpus test 1 --live; setvcpus test 1 --config; vcpucount test
