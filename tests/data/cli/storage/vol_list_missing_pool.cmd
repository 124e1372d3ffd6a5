vol-list nope
