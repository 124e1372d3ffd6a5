dominfo nosuch
