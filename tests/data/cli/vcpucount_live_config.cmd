vcpucount test --live --config
