net-define net-isolated.xml; net-undefine 5a9d3d55-2d0e-4bd2-9a4b-6c6a8b2f6f10; net-list --all
