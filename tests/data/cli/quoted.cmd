define foo.xml; desc foo --title --new-desc "a b;c"; desc foo --title
