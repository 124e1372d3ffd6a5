define foo.xml; list --inactive --id
