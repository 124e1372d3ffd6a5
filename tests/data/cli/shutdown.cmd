shutdown test; list --all
