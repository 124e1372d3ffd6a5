domstats test
