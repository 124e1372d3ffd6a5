migrate-setspeed test 5
