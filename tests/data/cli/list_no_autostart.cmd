define foo.xml; autostart foo; list --all --no-autostart
