define foo.xml; list --all --uuid
