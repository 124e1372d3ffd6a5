pool-define-as p scsi --adapter-wwnn 1 --adapter-wwpn 2 --adapter-parent-wwnn 3 --adapter-parent-wwpn 4 --print-xml
