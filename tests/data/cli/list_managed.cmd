define foo.xml; managedsave test; list --all --with-managed-save
