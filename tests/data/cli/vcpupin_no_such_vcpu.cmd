vcpupin test 5 1
