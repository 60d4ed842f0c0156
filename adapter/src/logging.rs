//! Log output: Lambda's AWS_LAMBDA_LOG_LEVEL and AWS_LAMBDA_LOG_FORMAT (TEXT or JSON).

use tracing_subscriber::filter::{LevelFilter, Targets};

use crate::config::{Config, LogFormat};

/// Installs the global subscriber (stderr; Lambda captures it). The adapter logs at the
/// configured level; its libraries (hyper's connection pool) only from WARN, so DEBUG
/// shows the adapter's decisions rather than every pooled connection. Calling it twice
/// is harmless.
pub fn init(config: &Config) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let level = LevelFilter::from_level(config.log_level);
    let filter = Targets::new().with_target("lambda_web_adapter", level).with_default(level.min(LevelFilter::WARN));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => tracing_subscriber::registry().with(fmt.json().flatten_event(true)).with(filter).try_init(),
        LogFormat::Text => tracing_subscriber::registry().with(fmt.with_ansi(false)).with(filter).try_init(),
    };
}
