migrate-getspeed test
