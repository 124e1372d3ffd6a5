vcpupin test
