vcpupin test --vcpu 1
