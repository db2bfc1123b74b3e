//! Console tests: console_connections (issue 13). Not written yet.
