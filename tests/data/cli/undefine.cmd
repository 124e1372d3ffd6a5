define foo.xml; undefine foo
