migrate nosuch test:///default --timeout 5
