desc test --title --new-desc 'My Title'; desc test --title; list --title
