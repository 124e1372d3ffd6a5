define foo.xml; dominfo foo
