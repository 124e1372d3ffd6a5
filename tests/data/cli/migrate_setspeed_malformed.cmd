migrate-setspeed test --bandwidth abc
