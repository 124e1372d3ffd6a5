define foo.xml; domstats foo test; domstats test foo
