define foo.xml
