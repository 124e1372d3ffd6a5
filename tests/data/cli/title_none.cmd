desc test --title
