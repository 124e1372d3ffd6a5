define foo.xml; list --state-shutoff
