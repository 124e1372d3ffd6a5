vcpucount test
