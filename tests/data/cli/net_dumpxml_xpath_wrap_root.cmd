net-dumpxml default --xpath /network/ip --wrap
