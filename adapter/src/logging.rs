//! Log output: Lambda's AWS_LAMBDA_LOG_LEVEL and AWS_LAMBDA_LOG_FORMAT (TEXT or JSON).

use tracing_subscriber::filter::LevelFilter;

use crate::config::{Config, LogFormat};

/// Installs the global subscriber (stderr; Lambda captures it). Calling it twice is harmless.
pub fn init(config: &Config) {
    let level = LevelFilter::from_level(config.log_level);
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(level).with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}
