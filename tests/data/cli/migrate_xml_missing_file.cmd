migrate test test:///default --xml nosuch.xml
