suspend test; domstate test --reason
