//! Console tests: console_admin (issue 13). Not written yet.
