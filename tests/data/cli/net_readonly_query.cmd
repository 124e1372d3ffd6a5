net-list --all; net-info default; net-uuid default; net-dumpxml default --xpath //bridge
