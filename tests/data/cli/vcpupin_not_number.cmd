vcpupin test x 1
