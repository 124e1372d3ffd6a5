vcpuinfo test
