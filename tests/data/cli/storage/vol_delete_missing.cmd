vol-delete nope
