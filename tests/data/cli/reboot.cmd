reboot test
