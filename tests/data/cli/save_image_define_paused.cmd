save test s.img; save-image-define s.img test-described.xml --paused; restore s.img; domstate test --reason
