define devices.xml; domiflist dk
