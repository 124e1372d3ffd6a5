domuuid test
