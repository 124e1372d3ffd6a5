define foo.xml; domrename foo baz; list --all
