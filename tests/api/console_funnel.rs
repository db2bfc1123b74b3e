//! Console tests: console_funnel (issue 13). Not written yet.
