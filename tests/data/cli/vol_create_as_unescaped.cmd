vol-create-as default-pool "a'b&c" 1 --format 'q"' --print-xml
