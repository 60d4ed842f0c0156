//! The black-box conformance suite for Lambda web adapters: cases and corpus events run
//! through any adapter binary under the local Lambda ([`lwa_emulator`], re-exported here),
//! with the sample apps, judged rule by rule, and reported. Used by `lwa-conformance`
//! (`just conformance`, `just judge`) and the benchmarks (the echo app, the HTML pages).
//!
//! | Part | Where |
//! |---|---|
//! | the local Lambda and its front door | [`Emulator`], [`gateway`] (from `lwa-emulator`) |
//! | cases, the corpus and the spec | [`case`], [`derive`], [`spec`] |
//! | running the matrix, normalising, judging | [`runner`] |
//! | the sample apps and the container host | [`apps`], [`echo_app`], [`container`] |
//! | conformance reports: terminal, JSON, JUnit, Markdown, and an HTML page (one run, or two compared) | [`report`], [`html`] |

pub mod apps;
pub mod arch;
pub mod case;
pub mod container;
pub mod derive;
pub mod echo_app;
pub mod html;
pub mod net;
pub mod report;
pub mod runner;
pub mod spec;

pub use lwa_emulator::EmulatorError;
pub use lwa_emulator::{emulator, gateway, http_server};
pub use lwa_emulator::{
    Chunk, DeliveredEvent, Emulator, EmulatorConfig, ErrorBody, ExtensionCommand, FunctionConfig, InitFailure,
    Invocation, InvocationHandle, LogLine, LogSource, LogStream, Outcome, RecordedRequest, Registration, ResponseEvent,
    ShutdownReport, StreamError, MAX_BUFFERED_RESPONSE_BYTES, MAX_STREAMED_RESPONSE_BYTES,
};
