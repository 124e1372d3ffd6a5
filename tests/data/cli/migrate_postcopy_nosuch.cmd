migrate-postcopy nosuch
