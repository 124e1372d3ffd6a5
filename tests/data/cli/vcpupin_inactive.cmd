define foo.xml; vcpupin foo
