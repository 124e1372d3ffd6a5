vcpucount test --active
