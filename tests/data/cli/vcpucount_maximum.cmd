vcpucount test --maximum
