attach-interface test hostdev 0000:00:19.0 --print-xml
