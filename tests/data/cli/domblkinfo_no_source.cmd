create devices.xml; domblkinfo dk hdc
