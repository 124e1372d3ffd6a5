define devices.xml; domblkinfo dk --all
