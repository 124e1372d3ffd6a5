undefine test; list --all
