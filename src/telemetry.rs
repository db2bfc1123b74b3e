//! Logging: tracing to stderr, text or JSON. Secrets never reach it: they are typed
//! (`Secret`), request logs name the matched route, never the raw path or headers. A line
//! written while a request is handled shows its `request` span, with the request id.

use tracing_subscriber::EnvFilter;

pub fn init(filter: &str, format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
