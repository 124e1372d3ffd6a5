net-dumpxml default --xpath '//uuid|//range|//@start'
