vcpupin test 1 0-7,^3; vcpupin test
