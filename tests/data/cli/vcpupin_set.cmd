vcpupin test 0 1,3-5; vcpupin test
