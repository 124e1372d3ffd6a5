nodecpumap --pretty
