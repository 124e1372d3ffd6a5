pool-define-as "a'b&<c>" dir --target '/x"y' --print-xml
