# console_branding: the console pages of src/http/console (issue 13).
