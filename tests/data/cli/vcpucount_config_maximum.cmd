vcpucount test --config --maximum
