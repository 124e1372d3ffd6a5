change-media test hdc
