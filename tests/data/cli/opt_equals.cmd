define --file=foo.xml; domstate --domain=foo
