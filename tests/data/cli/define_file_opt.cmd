define --file foo.xml
