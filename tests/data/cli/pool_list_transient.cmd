pool-create pool-dir.xml; pool-list --all --transient
