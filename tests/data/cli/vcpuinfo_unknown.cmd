vcpuinfo nosuch
