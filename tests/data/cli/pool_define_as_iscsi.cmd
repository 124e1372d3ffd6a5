pool-define-as p4 iscsi --source-host 10.0.0.1 --source-dev iqn.2024-01.example:t1 --source-initiator iqn.2024-01.example:i1 --target /dev/disk/by-path --print-xml
