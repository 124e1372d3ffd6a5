migrate-setspeed test
