define foo.xml; list --all --id
