autostart test
