define foo.xml; domstats --list-shutoff --state
