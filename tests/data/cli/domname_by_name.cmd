define foo.xml; domname foo
