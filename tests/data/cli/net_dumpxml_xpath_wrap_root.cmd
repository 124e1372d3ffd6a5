net-dumpxml default --xpath /network --wrap
