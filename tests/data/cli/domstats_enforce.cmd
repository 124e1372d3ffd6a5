domstats --enforce --cpu-total test
