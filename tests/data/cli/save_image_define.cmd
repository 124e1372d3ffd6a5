save test s.img; save-image-define s.img test-described.xml; save-image-dumpxml s.img --xpath //description
