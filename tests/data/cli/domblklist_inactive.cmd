define foo.xml; domblklist foo
