save test s.img --xml nosuch.xml; list --all
