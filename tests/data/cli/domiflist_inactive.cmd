define foo.xml; domiflist foo
