define upper.xml; define lower.xml; define foo.xml; list --all; list --all --name
