desc test hi; desc test
