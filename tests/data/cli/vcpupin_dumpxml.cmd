vcpupin test 1 3; dumpxml test
