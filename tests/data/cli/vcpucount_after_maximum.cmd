setvcpus test 1 --maximum --config; vcpucount test
