autostart test; dominfo test; autostart test --disable; dominfo test
