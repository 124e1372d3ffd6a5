domifstat test testnet0
