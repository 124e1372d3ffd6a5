define devices.xml; domblklist dk; domblklist dk --details
