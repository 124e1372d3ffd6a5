net-define
