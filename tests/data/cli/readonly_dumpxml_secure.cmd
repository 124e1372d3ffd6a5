dumpxml test --security-info
