migrate
