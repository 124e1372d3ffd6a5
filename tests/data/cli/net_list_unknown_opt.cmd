net-list --foo
