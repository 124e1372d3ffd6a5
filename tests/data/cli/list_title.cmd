define bar.xml; list --all --title
