nodememstats --cell 0
