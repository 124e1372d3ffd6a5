list --foo
