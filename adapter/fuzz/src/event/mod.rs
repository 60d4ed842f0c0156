//! `event_bytes` and `event_json`: an event in, the request the app would receive out.
//!
//! Whatever the bytes, [`translate`] must answer without panicking, and its answer must
//! agree with the event: valid JSON is never refused as not JSON (nor the reverse); the
//! source is the one [`classify`] gives on the parsed event; a forwarded request carries
//! the adapter's own context headers and no client header that passes for one of them (in
//! any case, `_` for `-`), no hop-by-hop header, a content-length that is the body's, the
//! body the event holds, a path-only URI, and client headers within the caps; a refusal is
//! a 400, 414 or 431 whose Lambda answer parses. `event_json` also checks that the fast path and
//! the `Value`-based readers agree, by sending each HTTP event a second time with one odd
//! header that makes the fast path give up.
//!
//! [`translate`]: lambda_web_adapter::event::translate
//! [`classify`]: lambda_web_adapter::event::classify

mod agreement;
mod oracle;

use std::fmt;
use std::sync::OnceLock;

use lambda_web_adapter::context::InvokeContext;
use lambda_web_adapter::event::{EventError, Translation};
use lambda_web_adapter::Config;

pub use agreement::{check_slow_path_agrees, outcome, with_odd_header, Outcome, ODD_HEADER};
pub use oracle::{check, imitates, RESERVED, TRACE_ID};

/// A configuration and an invocation context to translate under.
pub struct Setup {
    /// The adapter's configuration.
    pub config: Config,
    /// The invocation.
    pub ctx: InvokeContext,
    /// The `x-amzn-lambda-context` every forwarded request must carry.
    pub lambda_context: String,
}

fn setup(extra: &[(&str, &str)], ctx: InvokeContext) -> Setup {
    let mut env: Vec<(String, String)> = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ("AWS_LAMBDA_FUNCTION_NAME", "fuzz-fn"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/fuzz-fn"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]0123456789abcdef"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| env.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()))
        .expect("the fuzz configuration is valid")
        .0;
    let lambda_context = ctx.lambda_context_json(&config.function).0;
    Setup { config, ctx, lambda_context }
}

/// `event_bytes`: the defaults, a trace id from Lambda, no tenant.
pub fn bytes_setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        setup(
            &[],
            InvokeContext {
                request_id: "00000000-0000-4000-8000-000000000001".into(),
                deadline_ms: 1_767_225_600_000,
                function_arn: "arn:aws:lambda:us-east-1:123456789012:function:fuzz-fn".into(),
                trace_id: Some("Root=1-67890abc-0123456789abcdef01234567;Sampled=1".into()),
                client_context: Some("{\"custom\":{\"k\":\"v\"}}".into()),
                cognito_identity: None,
                tenant_id: None,
            },
        )
    })
}

/// `event_json`: a base path, an authorization source and a pass-through path set; a
/// tenant, no trace id (the client's is kept), a client context that is not JSON.
pub fn json_setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        setup(
            &[
                ("AWS_LWA_REMOVE_BASE_PATH", "/api"),
                ("AWS_LWA_AUTHORIZATION_SOURCE", "X-Custom-Auth"),
                ("AWS_LWA_PASS_THROUGH_PATH", "/events/in"),
            ],
            InvokeContext {
                request_id: "req-2".into(),
                deadline_ms: 0,
                function_arn: String::new(),
                trace_id: None,
                client_context: Some("not json".into()),
                cognito_identity: Some("{\"identity_id\":\"id\"}".into()),
                tenant_id: Some("tenant-7".into()),
            },
        )
    })
}

/// `event_bytes`: the raw bytes as the event.
pub fn run_bytes(data: &[u8]) {
    run_bytes_with(data, crate::known::strict());
}

/// `event_bytes`, with the known findings skipped unless `strict`.
pub fn run_bytes_with(data: &[u8], strict: bool) {
    crate::slow::timed("event_bytes", data, || {
        check(data, bytes_setup(), strict);
    });
}

/// `event_json`: the bytes (JSON, from the structure-aware mutator) as the event, and the
/// same event again through the `Value`-based readers.
pub fn run_json(data: &[u8]) {
    run_json_with(data, crate::known::strict());
}

/// `event_json`, with the known findings skipped unless `strict`.
pub fn run_json_with(data: &[u8], strict: bool) {
    crate::slow::timed("event_json", data, || {
        let setup = json_setup();
        if let Some((value, first)) = check(data, setup, strict) {
            check_slow_path_agrees(data, &value, &first, setup);
        }
    });
}

/// [`describe`], written only when an assertion message needs it.
pub struct Summary<'a>(pub &'a Result<Translation, EventError>);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(self.0))
    }
}

/// A one-line account of a translation, for assertion messages.
pub fn describe(result: &Result<Translation, EventError>) -> String {
    match result {
        Ok(Translation::Forward { request, shape, warnings }) => format!(
            "Forward {:?} {} {} headers {:?} body {} bytes, warnings {warnings:?}",
            shape,
            request.method(),
            request.uri(),
            request.headers(),
            request.body().len()
        ),
        Ok(Translation::Reject { shape, status, message, .. }) => format!("Reject {shape:?} {status} {message}"),
        Err(err) => format!("Err {err:?}"),
    }
}
