vcpucount test --maximum --active
