define foo.xml; dommemstat foo
