event --timeout 1
