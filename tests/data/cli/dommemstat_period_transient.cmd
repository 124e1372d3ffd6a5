create bar.xml; dommemstat bar --period 3 --config
