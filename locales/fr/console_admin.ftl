# console_admin: the console pages of src/http/console (issue 13).
