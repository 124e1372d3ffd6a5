vcpupin test --cpulist 1
