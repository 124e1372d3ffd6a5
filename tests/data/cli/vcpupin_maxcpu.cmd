vcpupin test 0 8
