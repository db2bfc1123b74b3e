//! Console tests: console_branding (issue 13). Not written yet.
