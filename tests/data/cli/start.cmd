define foo.xml; start foo; list --all
