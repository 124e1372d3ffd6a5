define foo.xml; suspend test; list --all --state-paused
