vcpupin test 0 1; vcpuinfo test; vcpuinfo test --pretty
