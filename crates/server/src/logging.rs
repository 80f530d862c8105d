//! Log output: human-readable text or JSON lines on stderr, filtered by `RUST_LOG`
//! (default `info`, with sqlx's per-statement lines kept at `warn`). Colours only on a terminal.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `format` is `text` or `json`.
pub fn init(format: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if let Err(e) = result {
        eprintln!("logging was already set up: {e}");
    }
}
