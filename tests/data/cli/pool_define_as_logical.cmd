pool-define-as vg logical --source-dev /dev/sdb --source-name vg0 --print-xml
