vol-delete nope --pool default-pool
