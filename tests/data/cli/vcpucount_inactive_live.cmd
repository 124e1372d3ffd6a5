define foo.xml; vcpucount foo --live
