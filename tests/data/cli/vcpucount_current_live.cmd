vcpucount test --current --live
