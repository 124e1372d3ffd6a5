define foo.xml; list --inactive
