migrate nosuch test:///default --live --offline
