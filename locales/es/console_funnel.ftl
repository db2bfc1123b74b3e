# console_funnel: the console pages of src/http/console (issue 13).
