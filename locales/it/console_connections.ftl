# console_connections: the console pages of src/http/console (issue 13).
