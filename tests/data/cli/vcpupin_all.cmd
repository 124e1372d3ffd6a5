vcpupin test 0 r; vcpupin test
