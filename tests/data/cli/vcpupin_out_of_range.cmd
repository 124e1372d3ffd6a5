vcpupin test --vcpu 9
