attach-disk test '' hdc --type cdrom --mode readonly --print-xml
