define foo.xml; managedsave test; list --all --without-managed-save
