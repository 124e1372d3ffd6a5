attach-interface test bogus x
