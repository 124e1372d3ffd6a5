define storage-dom.xml; undefine vm --storage vdz; list --all --name
