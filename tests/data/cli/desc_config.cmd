define bar.xml; desc bar --config; desc bar --title --config
