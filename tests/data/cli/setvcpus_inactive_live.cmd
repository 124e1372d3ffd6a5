define foo.xml; setvcpus foo 1 --live
