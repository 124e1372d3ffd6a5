save test s.img; list --all; restore s.img; list --all
