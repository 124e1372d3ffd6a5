managedsave test; undefine test --managed-save; list --all
