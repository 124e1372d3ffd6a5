event --event foo --timeout 1
