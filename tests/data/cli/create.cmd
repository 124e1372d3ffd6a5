create bar.xml; list --all
