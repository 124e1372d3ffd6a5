save test s.img; save-image-dumpxml s.img --xpath //name
