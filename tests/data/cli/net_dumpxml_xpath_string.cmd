net-dumpxml default --xpath 'string(//name)'
