vol-list
