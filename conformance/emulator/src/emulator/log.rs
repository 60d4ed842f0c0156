//! The in-memory log of process output.

use std::sync::Mutex;
use std::time::Instant;

use super::records::{LogLine, LogSource, LogStream};

/// Captured lines, in arrival order.
#[derive(Debug)]
pub(crate) struct LogStore {
    start: Instant,
    echo: bool,
    lines: Mutex<Vec<LogLine>>,
}

impl LogStore {
    pub(crate) fn new(start: Instant, echo: bool) -> Self {
        Self { start, echo, lines: Mutex::new(Vec::new()) }
    }

    pub(crate) fn push(&self, source: LogSource, stream: LogStream, line: String) {
        let line = LogLine { source, stream, line, at: self.start.elapsed() };
        if self.echo {
            eprintln!("{line}");
        }
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(line);
        }
    }

    pub(crate) fn emulator(&self, line: impl Into<String>) {
        self.push(LogSource::Emulator, LogStream::Internal, line.into());
    }

    pub(crate) fn snapshot(&self) -> Vec<LogLine> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}
