//! The JSON the suite's runner and the in-container agent exchange: one case to run
//! (adapter, environment, invocation) and everything observed, bodies as base64 so any
//! bytes survive.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{Observation, OutcomeKind, StreamSeen};
use crate::echo_app::Received;
use crate::Invocation;

/// The path the agent answers case requests on.
pub const CASES_PATH: &str = "/lwa/v1/cases";

/// The agent's port inside the container.
pub const AGENT_PORT: u16 = 9000;

/// The line the agent prints on stdout once it takes cases (the host waits for it).
pub const READY_LINE: &str = "lwa-conformance agent: ready";

/// One case for the agent to run: an adapter under a fresh emulator in front of the
/// container's app, and one invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The adapter's command line inside the container.
    pub adapter: Vec<String>,
    /// Function environment variables of the case (the agent adds `AWS_LWA_PORT`).
    pub env: Vec<(String, String)>,
    /// The function timeout.
    pub timeout_ms: u64,
    /// When not zero, the app is started for this case with this start delay.
    pub start_delay_ms: u64,
    /// The invocation payload, base64.
    pub payload: String,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: Option<String>,
    /// `Lambda-Runtime-Aws-Tenant-Id`.
    pub tenant_id: Option<String>,
    /// `Lambda-Runtime-Client-Context`.
    pub client_context: Option<String>,
}

impl CaseRequest {
    /// The invocation it describes; an error names a payload that is not base64.
    pub fn invocation(&self) -> Result<Invocation, String> {
        let payload = STANDARD.decode(&self.payload).map_err(|e| format!("payload is not base64: {e}"))?;
        let mut invocation = Invocation::new(payload);
        if let Some(v) = &self.trace_id {
            invocation = invocation.trace_id(v.clone());
        }
        if let Some(v) = &self.tenant_id {
            invocation = invocation.tenant_id(v.clone());
        }
        if let Some(v) = &self.client_context {
            invocation = invocation.client_context(v.clone());
        }
        Ok(invocation)
    }
}

/// The agent's answer to a [`CaseRequest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseReply {
    /// What was observed.
    pub observation: WireObservation,
    /// The emulator's captured log (adapter and emulator lines).
    pub logs: String,
}

/// An [`Observation`] as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireObservation {
    /// The invocation's request id.
    pub request_id: String,
    /// How it ended.
    pub outcome: OutcomeKind,
    /// The errorType.
    pub error_type: Option<String>,
    /// The error message.
    pub error_message: Option<String>,
    /// The buffered response or error body. A JSON `null` payload (a pass-through answer
    /// that was not JSON) is `Some(Null)`, not `None`: the field is left out when there
    /// was no payload, so the two stay apart on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub lambda: Option<Value>,
    /// The streamed response.
    pub stream: Option<WireStream>,
    /// What the app received.
    pub app: Vec<WireReceived>,
}

/// A field that is there, whatever its value (`null` included), as `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A [`StreamSeen`] as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireStream {
    /// The prelude.
    pub prelude: Option<Value>,
    /// The body after the prelude, base64.
    pub body: String,
    /// When each chunk arrived, in microseconds from the start of the response.
    pub chunk_times_us: Vec<u64>,
    /// The error-type trailer.
    pub error_type: Option<String>,
}

/// A [`Received`] as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireReceived {
    /// The invocation's request id.
    pub request_id: Option<String>,
    /// The method.
    pub method: String,
    /// The raw path.
    pub path: String,
    /// The raw query.
    pub query: String,
    /// The raw request-target.
    pub target: String,
    /// Header pairs in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body, base64.
    pub body: String,
}

impl From<&Observation> for WireObservation {
    fn from(seen: &Observation) -> Self {
        WireObservation {
            request_id: seen.request_id.clone(),
            outcome: seen.outcome,
            error_type: seen.error_type.clone(),
            error_message: seen.error_message.clone(),
            lambda: seen.lambda.clone(),
            stream: seen.stream.as_ref().map(|s| WireStream {
                prelude: s.prelude.clone(),
                body: STANDARD.encode(&s.body),
                chunk_times_us: s
                    .chunk_times
                    .iter()
                    .map(|t| u64::try_from(t.as_micros()).unwrap_or(u64::MAX))
                    .collect(),
                error_type: s.error_type.clone(),
            }),
            app: seen
                .app
                .iter()
                .map(|r| WireReceived {
                    request_id: r.request_id.clone(),
                    method: r.method.clone(),
                    path: r.path.clone(),
                    query: r.query.clone(),
                    target: r.target.clone(),
                    headers: r.headers.clone(),
                    body: STANDARD.encode(&r.body),
                })
                .collect(),
        }
    }
}

fn decode(what: &str, text: &str) -> Result<Bytes, String> {
    STANDARD.decode(text).map(Bytes::from).map_err(|e| format!("{what} is not base64: {e}"))
}

impl TryFrom<WireObservation> for Observation {
    type Error = String;

    fn try_from(wire: WireObservation) -> Result<Self, String> {
        let stream = match wire.stream {
            None => None,
            Some(s) => Some(StreamSeen {
                prelude: s.prelude,
                body: decode("the streamed body", &s.body)?,
                chunk_times: s.chunk_times_us.into_iter().map(Duration::from_micros).collect(),
                error_type: s.error_type,
            }),
        };
        let app = wire
            .app
            .into_iter()
            .map(|r| {
                Ok(Received {
                    body: decode("a request body the app received", &r.body)?,
                    request_id: r.request_id,
                    method: r.method,
                    path: r.path,
                    query: r.query,
                    target: r.target,
                    headers: r.headers,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Observation {
            request_id: wire.request_id,
            outcome: wire.outcome,
            error_type: wire.error_type,
            error_message: wire.error_message,
            lambda: wire.lambda,
            stream,
            app,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation() -> Observation {
        Observation {
            request_id: "r-1".into(),
            outcome: OutcomeKind::Streamed,
            error_type: Some("Function.Whatever".into()),
            error_message: None,
            lambda: None,
            stream: Some(StreamSeen {
                prelude: Some(serde_json::json!({"statusCode": 200})),
                body: Bytes::from_static(b"\x00\xffdata: 0\n\n"),
                chunk_times: vec![Duration::from_micros(10), Duration::from_millis(120)],
                error_type: None,
            }),
            app: vec![Received {
                request_id: Some("r-1".into()),
                method: "POST".into(),
                path: "/echo/a%20b".into(),
                query: "x=1&x=2".into(),
                target: "/echo/a%20b?x=1&x=2".into(),
                headers: vec![("x-a".into(), "1".into()), ("x-a".into(), "2".into())],
                body: Bytes::from_static(&[0, 159, 146, 150]),
            }],
        }
    }

    // Non-UTF-8 bodies and chunk timings cross the container boundary unchanged.
    #[test]
    fn an_observation_survives_the_round_trip() {
        let seen = observation();
        let json = serde_json::to_string(&WireObservation::from(&seen)).expect("serialise");
        let back: WireObservation = serde_json::from_str(&json).expect("parse");
        let back = Observation::try_from(back).expect("decode");
        let (a, b) = (back.stream.as_ref().expect("stream"), seen.stream.as_ref().expect("stream"));
        assert_eq!((&a.body, &a.chunk_times, &a.prelude), (&b.body, &b.chunk_times, &b.prelude));
        assert_eq!(back.app, seen.app);
        assert_eq!((back.outcome, back.error_type), (seen.outcome, seen.error_type));
    }

    /// Regression: a pass-through answer of JSON `null` came back from the container host
    /// as no payload at all, so a case expecting `null` failed there only.
    #[test]
    fn a_null_payload_is_not_lost_on_the_wire() {
        for lambda in [Some(Value::Null), None, Some(serde_json::json!({"statusCode": 200}))] {
            let mut wire = WireObservation::from(&observation());
            wire.lambda = lambda.clone();
            let json = serde_json::to_string(&wire).expect("serialise");
            let back: WireObservation = serde_json::from_str(&json).expect("parse");
            assert_eq!(back.lambda, lambda, "{json}");
        }
    }

    #[test]
    fn a_body_that_is_not_base64_is_named() {
        let mut wire = WireObservation::from(&observation());
        wire.app[0].body = "%%%".into();
        let err = Observation::try_from(wire).expect_err("bad base64");
        assert!(err.contains("request body the app received"), "{err}");
    }

    #[test]
    fn a_case_request_builds_its_invocation() {
        let request = CaseRequest {
            adapter: vec!["/opt/extensions/lambda-adapter".into()],
            env: vec![],
            timeout_ms: 5000,
            start_delay_ms: 0,
            payload: STANDARD.encode(b"{}"),
            trace_id: Some("Root=1-2-3".into()),
            tenant_id: None,
            client_context: None,
        };
        assert!(request.invocation().is_ok());
        let bad = CaseRequest { payload: "not base64!".into(), ..request };
        assert!(bad.invocation().expect_err("bad payload").contains("payload is not base64"));
    }
}
