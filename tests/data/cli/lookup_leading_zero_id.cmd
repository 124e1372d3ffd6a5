domstate 01
