save test s.img; domstate test --reason
