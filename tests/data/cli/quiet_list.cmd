define foo.xml; start foo; list --all; domid test; desc test
