create bar.xml; define foo.xml; list --all --persistent
