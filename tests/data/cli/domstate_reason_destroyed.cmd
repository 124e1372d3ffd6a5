destroy test; domstate test --reason
