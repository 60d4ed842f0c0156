//! Declarative conformance cases (`fixtures/cases/<area>/<slug>.toml`) and how an
//! observation is checked against them. The schema is documented in
//! `fixtures/cases/README.md`.
//!
//! This module holds the TOML schema of a case; `load` reads and validates case files,
//! `observation` is what one invocation showed, and `check` compares the two.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

mod check;
mod load;
mod observation;

pub use self::check::{check, check_also, check_body_is_event};
pub use self::load::{discover, files_under, CaseError};
pub use self::observation::{Observation, StreamSeen};

/// One case, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// `<area>/<slug>`, equal to the file path.
    pub id: String,
    /// What it checks.
    pub description: String,
    /// The requirement, quoted from AWS or LWA documentation.
    pub requirement: String,
    /// Where the requirement comes from.
    #[serde(default)]
    pub reference: Option<String>,
    /// The ids of the rules of `docs/spec.md` this case checks (at least one).
    pub rules: Vec<String>,
    /// The strongest level among `rules`, set from the spec when cases are discovered
    /// (strictest until then): a failure is `fail` at `MUST`, else `non-strict`.
    #[serde(skip, default = "strictest")]
    pub level: crate::spec::Level,
    /// The adapter's environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// How the app behaves.
    #[serde(default)]
    pub app: AppSpec,
    /// The invocation.
    pub invoke: InvokeSpec,
    /// What must hold, at the level of `rules`.
    pub expect: Expect,
    /// Checks of weaker rules in the same invocation, each judged at its own rules' level:
    /// a case whose `MUST` checks hold but whose `[[also]]` checks do not is `non-strict`.
    #[serde(default)]
    pub also: Vec<Also>,
}

/// Checks of a case at the level of other rules than the case's own (`[[also]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Also {
    /// The ids of the rules these checks show.
    pub rules: Vec<String>,
    /// The strongest level among `rules`, set from the spec when cases are discovered.
    #[serde(skip, default = "strictest")]
    pub level: crate::spec::Level,
    /// What must hold (no `outcome`: that is the case's own).
    pub expect: Expect,
}

fn strictest() -> crate::spec::Level {
    crate::spec::Level::Must
}

fn yes() -> bool {
    true
}

/// The app's behaviour for a case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// Listen only after this many milliseconds.
    #[serde(default)]
    pub start_delay_ms: u64,
    /// `ok` or `status:NNN` for `GET /`.
    #[serde(default)]
    pub readiness: Option<String>,
    /// The case uses what only the built-in echo app does (`/stream?...&fail_after=K`,
    /// which cuts the connection mid-stream): it is `unimplemented` on the real apps.
    #[serde(default)]
    pub echo_only: bool,
}

impl AppSpec {
    /// The status `GET /` answers with, when not 200.
    pub fn readiness_status(&self) -> Option<u16> {
        self.readiness.as_deref().and_then(|r| r.strip_prefix("status:")).and_then(|s| s.parse().ok())
    }
}

/// The invocation of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvokeSpec {
    /// A file under `fixtures/events/`.
    #[serde(default)]
    pub event: Option<String>,
    /// An inline event.
    #[serde(default)]
    pub event_json: Option<String>,
    /// Lambda-Runtime-Aws-Tenant-Id.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Lambda-Runtime-Client-Context, raw.
    #[serde(default)]
    pub client_context: Option<String>,
    /// Lambda-Runtime-Trace-Id.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// The function timeout for this invocation.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// JSON Pointer -> value, applied to the event.
    #[serde(default)]
    pub patch: BTreeMap<String, Value>,
}

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// A buffered response.
    Response,
    /// A streamed response.
    Streamed,
    /// An invocation error.
    Error,
    /// Init failed.
    InitError,
    /// The function timed out.
    Timeout,
}

/// What must hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// How the invocation ends (required in a case's `[expect]`).
    #[serde(default)]
    pub outcome: Option<OutcomeKind>,
    /// The errorType of an invocation error.
    #[serde(default)]
    pub error_type: Option<String>,
    /// Substrings of the error message.
    #[serde(default)]
    pub message_contains: Vec<String>,
    /// What the app received.
    #[serde(default)]
    pub app: Option<ExpectApp>,
    /// Pointers into the Lambda response.
    #[serde(default)]
    pub lambda: BTreeMap<String, Value>,
    /// Pointers that must not exist in the Lambda response.
    #[serde(default)]
    pub lambda_absent: Option<Absent>,
    /// The streamed response.
    #[serde(default)]
    pub stream: Option<ExpectStream>,
}

/// Pointers that must be absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absent {
    /// JSON Pointers.
    pub pointers: Vec<String>,
}

/// What the app must have received.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectApp {
    /// Whether the app was called at all.
    #[serde(default = "yes")]
    pub called: bool,
    /// The method.
    #[serde(default)]
    pub method: Option<String>,
    /// The raw path.
    #[serde(default)]
    pub path: Option<String>,
    /// The raw query.
    #[serde(default)]
    pub query: Option<String>,
    /// The raw request-target (path, `?` and query): tells `/x` from `/x?`.
    #[serde(default)]
    pub target: Option<String>,
    /// The body as text.
    #[serde(default)]
    pub body: Option<String>,
    /// The body as base64.
    #[serde(default)]
    pub body_base64: Option<String>,
    /// The body is JSON equal to the event sent (whitespace, key order and escapes
    /// aside): a pass-through event reached the app whole.
    #[serde(default)]
    pub body_is_event_json: bool,
    /// Headers that must be absent.
    #[serde(default)]
    pub headers_absent: Vec<String>,
    /// `name` -> a value that none of the header's values may be (the header itself may
    /// be there with other values).
    #[serde(default)]
    pub header_values_absent: BTreeMap<String, String>,
    /// Header values (all values joined with `, `).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `name#/pointer` -> value inside a JSON header.
    #[serde(default)]
    pub json_headers: BTreeMap<String, Value>,
}

/// What a streamed response must look like.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectStream {
    /// Pointers into the prelude.
    #[serde(default)]
    pub prelude: BTreeMap<String, Value>,
    /// The body after the prelude, as text.
    #[serde(default)]
    pub body: Option<String>,
    /// At least this many body chunks.
    #[serde(default)]
    pub min_chunks: Option<usize>,
    /// At least this long between consecutive body chunks.
    #[serde(default)]
    pub min_gap_ms: Option<u64>,
    /// The error-type trailer.
    #[serde(default)]
    pub error_type: Option<String>,
    /// The stream ends with an error-type trailer, whatever the type.
    #[serde(default)]
    pub error_trailer: bool,
}

impl Case {
    /// Every rule the case cites: its own, then those of its `[[also]]` blocks.
    pub fn cited_rules(&self) -> Vec<String> {
        let mut out = self.rules.clone();
        for id in self.also.iter().flat_map(|a| &a.rules) {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }

    /// The area: the id's first segment.
    pub fn area(&self) -> &str {
        self.id.split('/').next().unwrap_or("")
    }
}
