destroy test; list
