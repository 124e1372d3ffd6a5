setvcpus test 1 --maximum --live
