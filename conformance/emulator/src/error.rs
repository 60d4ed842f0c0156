//! Errors of the library.

use std::path::PathBuf;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The configuration is not usable.
    #[error("invalid emulator configuration: {0}")]
    InvalidConfig(String),
    /// The Runtime API port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port (0 for any).
        port: u16,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The extensions directory cannot be read.
    #[error("cannot read extensions directory {path}: {source}")]
    ExtensionsDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The process could not become the child subreaper (`EmulatorConfig::subreaper`).
    #[error("cannot become the child subreaper of this process: {0}")]
    Subreaper(#[source] std::io::Error),
}
