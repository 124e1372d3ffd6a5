define foo.xml; autostart foo; list --all --autostart
