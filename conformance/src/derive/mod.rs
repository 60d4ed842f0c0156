//! What the app must receive for a corpus event, derived from the event itself: the
//! `MUST` rules a corpus event checks on any adapter, whatever the reference adapter
//! recorded. Pure: an event and what the app received in, broken rules out.
//!
//! Only what the sources define without room for choice is derived: the method, the body
//! (base64-decoded when flagged), the raw path and the HTTP API's raw query when they hold
//! nothing a request line would have to encode, every plain header value and cookie, and a
//! pass-through event arriving whole. Where the sample apps' contract fixes the app's answer
//! (the echo route, `/`, `/cookies`, `/headers/multi`, `/binary`, `/redirect`, no route),
//! what Lambda must receive follows too: status, headers with every value in the fields the
//! source reads, cookies, and the body as text or base64. Everything else (header order, query spelling, framing choices) stays with the
//! reference observation, a `REFERENCE` rule.
//!
//! `request` holds the checks of what the app received, `response` those of what Lambda
//! received where the app's answer is fixed.

use base64::Engine;
use serde_json::Value;

use crate::echo_app::Received;

mod request;
mod response;

use self::request::{check_cookies, check_headers, wire_ready};
use self::response::{check_answer, Fields};

/// A broken rule and what showed it.
pub type Broken = (&'static str, String);

/// The standard alphabet, tolerant of missing padding (as API Gateway's encoders are).
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// How a corpus folder's events carry the request, by the AWS documentation of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// HTTP API payload 2.0 and Function URLs: `requestContext.http.method`, `rawPath`,
    /// `rawQueryString`, `body`, `isBase64Encoded`.
    V2,
    /// REST, HTTP API payload 1.0 and ALB: `httpMethod`, `path`, `body`, `isBase64Encoded`.
    V1,
    /// Any other event: posted whole to the pass-through path.
    PassThrough,
}

/// The shape of the corpus folder's events, where what the app receives follows from AWS's
/// definition of the source. Not for WebSocket and VPC Lattice events, whose mapping to a
/// request is this project's choice (LWA passes them through), nor for the near misses of
/// `non-http/near-miss/`, whose classification is a choice too: the reference observation
/// judges those.
fn shape(rel: &str) -> Option<Shape> {
    let mut parts = rel.split('/');
    Some(match (parts.next().unwrap_or_default(), parts.next().unwrap_or_default()) {
        ("apigw-v2" | "function-url", _) => Shape::V2,
        ("apigw-v1" | "httpapi-v1" | "alb", _) => Shape::V1,
        ("non-http", "near-miss") => return None,
        ("non-http", _) => Shape::PassThrough,
        _ => return None,
    })
}

/// The rules the app's request for the corpus event `rel` (a path under fixtures/events)
/// breaks, and, where the app's answer is fixed by its contract, the Lambda response
/// `lambda` (the buffered payload, if any). `app` is the first request the app received
/// for the invocation, if any.
pub fn check(rel: &str, event: &[u8], app: Option<&Received>, lambda: Option<&Value>) -> Vec<Broken> {
    let Some(shape) = shape(rel) else { return Vec::new() };
    let Ok(value) = serde_json::from_slice::<Value>(event) else { return Vec::new() };
    let Some(app) = app else {
        // An adapter may refuse an event (a 4xx in the source's format); what it forwards
        // is what is checked.
        return Vec::new();
    };
    let mut broken = Vec::new();
    if shape == Shape::PassThrough {
        match serde_json::from_slice::<Value>(&app.body) {
            Ok(body) if body == value => {}
            Ok(_) => broken.push(("PT-EVENT-POSTED", "the app's body is JSON that differs from the event".to_owned())),
            Err(e) => broken.push(("PT-EVENT-POSTED", format!("the app's body is not the event's JSON ({e})"))),
        }
        if app.method != "POST" {
            broken.push(("PT-EVENT-POSTED", format!("a pass-through event arrived as {}, not POST", app.method)));
        }
        return broken;
    }
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str);
    let method = match shape {
        Shape::V2 => text("/requestContext/http/method"),
        Shape::V1 => text("/httpMethod"),
        Shape::PassThrough => None,
    };
    if let Some(method) = method {
        if app.method != method {
            broken.push(("REQ-METHOD", format!("the event's method is {method}, the app received {}", app.method)));
        }
    }
    let raw_path = match shape {
        Shape::V2 => text("/rawPath"),
        Shape::V1 => text("/path"),
        _ => None,
    };
    if let Some(raw) = raw_path.filter(|p| p.starts_with('/') && wire_ready(p, true)) {
        if app.path != raw {
            broken.push(("REQ-PATH-RAW", format!("the event's path is {raw:?}, the app received {:?}", app.path)));
        }
    }
    if shape == Shape::V2 {
        if let Some(raw) = text("/rawQueryString").filter(|q| wire_ready(q, false)) {
            if app.query != raw {
                broken.push((
                    "REQ-QUERY-V2-RAW",
                    format!("the event's rawQueryString is {raw:?}, the app received {:?}", app.query),
                ));
            }
        }
    }
    broken.extend(check_headers(shape, &value, app));
    if shape == Shape::V2 {
        broken.extend(check_cookies(&value, app));
    }
    if let Some(lambda) = lambda {
        let fields = match (shape, rel.starts_with("alb/")) {
            (Shape::V2, _) => Fields::V2,
            (_, false) => Fields::Rest,
            (_, true) if value.get("multiValueHeaders").is_some_and(Value::is_object) => Fields::AlbMulti,
            (_, true) => Fields::AlbSingle,
        };
        broken.extend(check_answer(fields, app, lambda));
    }
    let base64 = value.pointer("/isBase64Encoded") == Some(&Value::Bool(true));
    let expected = match value.get("body") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(body)) if base64 => BASE64.decode(body).ok(),
        Some(Value::String(body)) => Some(body.as_bytes().to_vec()),
        Some(_) => None,
    };
    if let Some(expected) = expected {
        if app.body.as_ref() != expected.as_slice() {
            let rule = if base64 { "REQ-BODY-BASE64-DECODED" } else { "REQ-BODY-TEXT" };
            broken.push((
                rule,
                format!(
                    "the event's body is {} bytes, the app received {} other bytes",
                    expected.len(),
                    app.body.len()
                ),
            ));
        }
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn received(method: &str, path: &str, query: &str, body: &[u8]) -> Received {
        Received {
            request_id: None,
            method: method.into(),
            path: path.into(),
            query: query.into(),
            target: format!("{path}?{query}"),
            headers: Vec::new(),
            body: bytes::Bytes::copy_from_slice(body),
        }
    }

    pub(super) fn rules(broken: &[Broken]) -> Vec<&'static str> {
        broken.iter().map(|(rule, _)| *rule).collect()
    }

    #[test]
    fn v2_method_path_query_and_body_come_from_the_event() {
        let event = br#"{"version":"2.0","rawPath":"/a%2Fb","rawQueryString":"x=1&x=2","body":"aGk=","isBase64Encoded":true,"requestContext":{"http":{"method":"PUT"}}}"#;
        assert!(check("apigw-v2/e.json", event, Some(&received("PUT", "/a%2Fb", "x=1&x=2", b"hi")), None).is_empty());
        let wrong = received("GET", "/a/b", "x=2&x=1", b"aGk=");
        assert_eq!(
            rules(&check("function-url/e.json", event, Some(&wrong), None)),
            ["REQ-METHOD", "REQ-PATH-RAW", "REQ-QUERY-V2-RAW", "REQ-BODY-BASE64-DECODED"]
        );
    }

    #[test]
    fn pass_through_events_arrive_whole_as_json() {
        let event = b"{\n  \"Records\": [1, 2]\n}\n";
        assert!(check(
            "non-http/sqs/e.json",
            event,
            Some(&received("POST", "/events", "", br#"{"Records":[1,2]}"#)),
            None
        )
        .is_empty());
        let lost = check("non-http/sqs/e.json", event, Some(&received("GET", "/events", "", b"{}")), None);
        assert_eq!(rules(&lost), ["PT-EVENT-POSTED", "PT-EVENT-POSTED"]);
    }

    #[test]
    fn sources_whose_mapping_is_a_choice_are_left_to_the_reference() {
        let lattice = br#"{"raw_path":"/p","method":"DELETE","body":"AAE=","is_base64_encoded":true}"#;
        assert!(check("vpc-lattice-v1/e.json", lattice, Some(&received("POST", "/events", "", b"{}")), None).is_empty());
        let websocket =
            br#"{"body":"hi","requestContext":{"routeKey":"$default","eventType":"MESSAGE","connectionId":"c"}}"#;
        assert!(check("websocket/e.json", websocket, Some(&received("POST", "/events", "", b"{}")), None).is_empty());
        let near_miss = br#"{"requestContext":{"http":{"method":"GET"}},"rawPath":"/"}"#;
        assert!(check("non-http/near-miss/e.json", near_miss, Some(&received("GET", "/", "", b"")), None).is_empty());
        let rest = br#"{"httpMethod":"POST","path":"/orders","body":null,"requestContext":{}}"#;
        assert!(check("alb/e.json", rest, Some(&received("POST", "/orders", "", b"")), None).is_empty());
        assert!(check("invalid/e.json", rest, Some(&received("GET", "/", "", b"x")), None).is_empty());
        assert!(check("apigw-v1/e.json", rest, None, None).is_empty(), "a refusal is judged elsewhere");
        let as_pass_through = check("apigw-v1/e.json", rest, Some(&received("POST", "/events", "", b"{}")), None);
        assert_eq!(rules(&as_pass_through), ["REQ-PATH-RAW", "REQ-BODY-TEXT"]);
    }
}
