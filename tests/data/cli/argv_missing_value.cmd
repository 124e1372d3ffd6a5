start --domain
