suspend test; resume test; domstate --domain test --reason
