attach-disk test img vdc --source-protocol nbd --source-host-name h1:10809 --sourcetype network --print-xml
