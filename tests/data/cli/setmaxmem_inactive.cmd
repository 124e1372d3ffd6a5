define foo.xml; setmaxmem foo 2097152 --config; dominfo foo
