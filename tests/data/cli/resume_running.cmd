resume test
