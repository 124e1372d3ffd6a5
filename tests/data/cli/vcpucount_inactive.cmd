define foo.xml; vcpucount foo
