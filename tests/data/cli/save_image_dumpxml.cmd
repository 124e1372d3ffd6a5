save test s.img; save-image-dumpxml s.img
