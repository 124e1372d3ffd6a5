define foo.xml; domid foo
