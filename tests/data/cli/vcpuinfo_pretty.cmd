vcpuinfo test --pretty
