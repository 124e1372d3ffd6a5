define foo.xml; list --state-running
