list --all
