define foo.xml; domblkstat foo vda
