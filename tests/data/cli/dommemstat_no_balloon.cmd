create bar.xml; dommemstat bar
