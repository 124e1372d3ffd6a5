vcpupin test 0 x
