vcpupin test 0 0-3,^1-2
