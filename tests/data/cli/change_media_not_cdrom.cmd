change-media test vda --eject
