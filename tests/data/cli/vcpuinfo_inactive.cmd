define foo.xml; vcpuinfo foo
