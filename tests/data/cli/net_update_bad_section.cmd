net-update default add frob "<host/>"
