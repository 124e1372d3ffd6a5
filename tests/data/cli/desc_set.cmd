desc test --new-desc hello; desc test
