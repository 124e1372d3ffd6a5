define foo.xml; memtune foo
