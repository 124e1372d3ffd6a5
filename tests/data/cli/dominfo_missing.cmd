dominfo
