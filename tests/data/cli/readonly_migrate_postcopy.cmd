migrate-postcopy test
