define bar.xml; list --all --table --title
