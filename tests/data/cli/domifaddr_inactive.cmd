define foo.xml; domifaddr foo
