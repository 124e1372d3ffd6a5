desc test --new-desc "abc
