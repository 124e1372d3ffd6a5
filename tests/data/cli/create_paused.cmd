create bar.xml --paused; domstate bar --reason
