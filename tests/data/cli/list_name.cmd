define foo.xml; list --all --name
