shutdown test; domstate test --reason
