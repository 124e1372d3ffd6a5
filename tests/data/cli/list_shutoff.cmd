define foo.xml; list --all --state-shutoff
