change-media test hdc --eject --insert
