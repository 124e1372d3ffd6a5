define foo.xml; managedsave test; list --all --managed-save
