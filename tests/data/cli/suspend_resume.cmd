suspend test; domstate test; resume test; domstate test
