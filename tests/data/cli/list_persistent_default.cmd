define foo.xml; list --persistent
