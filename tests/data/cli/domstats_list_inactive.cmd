domstats --list-inactive
