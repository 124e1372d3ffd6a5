domstats --cpu-total
