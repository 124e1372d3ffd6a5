shutdown test --mode foo
