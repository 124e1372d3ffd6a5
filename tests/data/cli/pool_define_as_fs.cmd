pool-define-as p5 fs --source-dev /dev/loop0 --source-format ext4 --target /mnt/p5 --print-xml
