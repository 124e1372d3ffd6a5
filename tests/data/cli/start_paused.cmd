define foo.xml; start foo --paused; domstate foo --reason
