pool-define-as p scsi --adapter-wwnn 1 --adapter-wwpn 2 --adapter-parent-fabric-wwn 5 --print-xml
