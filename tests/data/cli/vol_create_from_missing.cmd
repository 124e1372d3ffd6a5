vol-create-from default-pool vol-raw.xml nope
