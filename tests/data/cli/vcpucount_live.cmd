vcpucount test --live
