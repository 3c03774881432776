//! Logging set up in one place: `tracing` to stderr, filtered by `RUST_LOG`,
//! as readable text or as JSON lines that carry the fields of the enclosing
//! spans (a document's id, for instance).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `default_level` applies when `RUST_LOG` is
/// unset (`info` for the server, `warn` for client commands so their output
/// stays clean).
pub fn init(default_level: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second call (tests) keeps the first subscriber; that is fine.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
    };
}
