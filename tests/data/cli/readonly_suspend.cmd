suspend test
