define foo.xml; define bar.xml; list --all
