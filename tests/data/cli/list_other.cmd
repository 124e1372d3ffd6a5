define foo.xml; list --all --state-other
