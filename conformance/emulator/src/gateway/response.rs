//! Turning what the function returned into the HTTP response the trigger sends.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value;

use super::Trigger;
use crate::{ErrorBody, Outcome};

/// An HTTP response as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header pairs; repeated names stay repeated (one `set-cookie` per cookie).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Bytes,
}

impl HttpResponse {
    /// Every value of a header.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

/// Why a Lambda response could not be turned into HTTP (AWS answers 502).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The payload is not JSON.
    #[error("the Lambda response is not JSON")]
    NotJson,
    /// The payload is JSON but not an object with a status code.
    #[error("the Lambda response has no valid statusCode")]
    BadStatusCode,
    /// `headers`, `multiValueHeaders` or `cookies` have the wrong shape.
    #[error("the Lambda response has malformed {0}")]
    BadField(&'static str),
    /// `isBase64Encoded` is true but the body is not base64.
    #[error("the Lambda response body is not valid base64")]
    BadBase64,
}

/// Headers the front door never copies from the function (hop-by-hop, or recomputed).
const DROPPED: [&str; 4] = ["content-length", "transfer-encoding", "connection", "keep-alive"];

fn header_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn status_of(doc: &serde_json::Map<String, Value>) -> Result<u16, GatewayError> {
    let status = match doc.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    status.filter(|s| (100..=599).contains(s)).map(|s| s as u16).ok_or(GatewayError::BadStatusCode)
}

fn push_headers(out: &mut Vec<(String, String)>, doc: &serde_json::Map<String, Value>) -> Result<(), GatewayError> {
    if let Some(headers) = doc.get("headers").filter(|h| !h.is_null()) {
        let map = headers.as_object().ok_or(GatewayError::BadField("headers"))?;
        for (k, v) in map {
            let v = header_value(v).ok_or(GatewayError::BadField("headers"))?;
            out.push((k.to_ascii_lowercase(), v));
        }
    }
    if let Some(multi) = doc.get("multiValueHeaders").filter(|h| !h.is_null()) {
        let map = multi.as_object().ok_or(GatewayError::BadField("multiValueHeaders"))?;
        for (k, values) in map {
            let values = values.as_array().ok_or(GatewayError::BadField("multiValueHeaders"))?;
            let name = k.to_ascii_lowercase();
            // A name in both maps: the multi-value list wins.
            out.retain(|(existing, _)| existing != &name);
            for v in values {
                let v = header_value(v).ok_or(GatewayError::BadField("multiValueHeaders"))?;
                out.push((name.clone(), v));
            }
        }
    }
    Ok(())
}

fn push_cookies(out: &mut Vec<(String, String)>, cookies: Option<&Value>) -> Result<(), GatewayError> {
    if let Some(cookies) = cookies.filter(|c| !c.is_null()) {
        let list = cookies.as_array().ok_or(GatewayError::BadField("cookies"))?;
        for c in list {
            let c = c.as_str().ok_or(GatewayError::BadField("cookies"))?;
            out.push(("set-cookie".into(), c.to_string()));
        }
    }
    Ok(())
}

fn body_of(doc: &serde_json::Map<String, Value>) -> Result<Bytes, GatewayError> {
    let text = match doc.get("body") {
        None | Some(Value::Null) => return Ok(Bytes::new()),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if doc.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Bytes::from)
            .map_err(|_| GatewayError::BadBase64)
    } else {
        Ok(Bytes::from(text))
    }
}

/// The HTTP response for a buffered Lambda response `payload`.
///
/// ```
/// use lwa_emulator::gateway::{from_lambda, Trigger};
/// let r = from_lambda(Trigger::HttpApi, br#"{"statusCode":201,"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#)
///     .expect("well-formed");
/// assert_eq!(r.status, 201);
/// assert_eq!(r.header_values("set-cookie"), vec!["a=1", "b=2"]);
/// assert_eq!(&r.body[..], b"hi");
/// ```
pub fn from_lambda(trigger: Trigger, payload: &[u8]) -> Result<HttpResponse, GatewayError> {
    let value: Value = serde_json::from_slice(payload).map_err(|_| GatewayError::NotJson)?;
    let v2 = matches!(trigger, Trigger::HttpApi | Trigger::FunctionUrl);
    let doc = match value.as_object() {
        Some(doc) if doc.contains_key("statusCode") => doc,
        // Payload 2.0 infers the format: valid JSON without a statusCode is a 200 whose
        // body is the JSON itself.
        _ if v2 => {
            return Ok(HttpResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: Bytes::copy_from_slice(payload),
            })
        }
        _ => return Err(GatewayError::BadStatusCode),
    };
    let status = status_of(doc)?;
    let mut headers = Vec::new();
    push_headers(&mut headers, doc)?;
    if v2 {
        push_cookies(&mut headers, doc.get("cookies"))?;
    }
    headers.retain(|(k, _)| !DROPPED.contains(&k.as_str()));
    Ok(HttpResponse { status, headers, body: body_of(doc)? })
}

/// Status and headers of a streamed Function URL response from its prelude
/// (`{"statusCode":..,"headers":{..},"cookies":[..]}`; 200 and no headers without one).
pub fn stream_head(prelude: Option<&Value>) -> (u16, Vec<(String, String)>) {
    let Some(doc) = prelude.and_then(Value::as_object) else {
        return (200, Vec::new());
    };
    let status = status_of(doc).unwrap_or(200);
    let mut headers = Vec::new();
    // A malformed prelude keeps what could be read.
    let _ = push_headers(&mut headers, doc);
    let _ = push_cookies(&mut headers, doc.get("cookies"));
    headers.retain(|(k, _)| !DROPPED.contains(&k.as_str()));
    (status, headers)
}

/// The `content-length` a response document (buffered response or stream prelude)
/// declares in `headers` or `multiValueHeaders`, when it is a number.
pub(crate) fn content_length_in(doc: &Value) -> Option<String> {
    let mut headers = Vec::new();
    push_headers(&mut headers, doc.as_object()?).ok()?;
    headers
        .into_iter()
        .rev()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| v.parse::<u64>().is_ok())
}

/// The `content-length` the function declared for a successful response. The front door
/// recomputes the length from the body it sends, but the answer to a HEAD request has no
/// body: there the function's own value is kept, as the adapter computed it from the app.
///
/// ```
/// use lwa_emulator::gateway::declared_content_length;
/// use lwa_emulator::Outcome;
/// let payload = br#"{"statusCode":200,"headers":{"Content-Length":"1234"},"body":""}"#;
/// let outcome = Outcome::Buffered { body: payload.to_vec().into(), headers: Default::default() };
/// assert_eq!(declared_content_length(&outcome).as_deref(), Some("1234"));
/// ```
pub fn declared_content_length(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Buffered { body, .. } => content_length_in(&serde_json::from_slice(body).ok()?),
        Outcome::Streamed { prelude: Some(prelude), error: None, .. } => content_length_in(prelude),
        _ => None,
    }
}

/// What the trigger answers when the function failed, timed out, or answered garbage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Malformed Lambda response.
    Malformed,
    /// Function error (unhandled error, init error, crash).
    FunctionError,
    /// The function timed out.
    Timeout,
}

/// The trigger's own error answer.
pub fn failure_response(trigger: Trigger, failure: Failure) -> HttpResponse {
    let json = |status: u16, message: &str| HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: Bytes::from(serde_json::json!({"message": message}).to_string()),
    };
    match (trigger, failure) {
        (Trigger::Alb | Trigger::AlbMulti, Failure::Timeout) => html(504, "504 Gateway Time-out"),
        (Trigger::Alb | Trigger::AlbMulti, _) => html(502, "502 Bad Gateway"),
        (Trigger::Rest, Failure::Timeout) => json(504, "Endpoint request timed out"),
        (Trigger::Rest, _) => json(502, "Internal server error"),
        (Trigger::HttpApi, Failure::Timeout) => json(503, "Service Unavailable"),
        (Trigger::HttpApi, Failure::FunctionError) => json(500, "Internal Server Error"),
        (Trigger::HttpApi | Trigger::FunctionUrl, _) => json(502, "Internal Server Error"),
    }
}

fn html(status: u16, title: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: Bytes::from(format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
        )),
    }
}

/// Where the front door's init error answers send the reader.
const INIT_HINT: &str = "the function failed to initialize; the terminal running lwa-conformance shows \
                         which process exited and its last lines of output";

/// The trigger's answer when the function's init failed: AWS's status, with the init
/// error named in the body and a pointer to the terminal. This is the emulator's own
/// addition: AWS answers only `{"message":"Internal Server Error"}` (or its ALB page),
/// which leaves a user of the local front door guessing; the `message` field stays AWS's.
///
/// ```
/// use lwa_emulator::gateway::{init_failure_response, Trigger};
/// use lwa_emulator::ErrorBody;
///
/// let body = ErrorBody::Json(serde_json::json!({"errorType": "Runtime.ExitError",
///     "errorMessage": "Runtime exited with error: exit status 1"}));
/// let r = init_failure_response(Trigger::HttpApi, "Runtime.ExitError", &body);
/// assert_eq!(r.status, 500);
/// let doc: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
/// assert_eq!(doc["message"], "Internal Server Error");
/// assert_eq!(doc["initError"]["errorType"], "Runtime.ExitError");
/// assert_eq!(doc["initError"]["errorMessage"], "Runtime exited with error: exit status 1");
/// ```
pub fn init_failure_response(trigger: Trigger, error_type: &str, body: &ErrorBody) -> HttpResponse {
    let message = match body {
        ErrorBody::Json(doc) => match doc.get("errorMessage") {
            Some(Value::String(m)) => m.clone(),
            Some(other) => other.to_string(),
            None => doc.to_string(),
        },
        ErrorBody::Raw(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    };
    let mut out = failure_response(trigger, Failure::FunctionError);
    match trigger {
        Trigger::Alb | Trigger::AlbMulti => {
            let title = format!("{} Bad Gateway", out.status);
            let escape = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            out.body = Bytes::from(format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
                 <p>init error {}: {}</p>\r\n<p>{INIT_HINT}</p>\r\n</body>\r\n</html>\r\n",
                escape(error_type),
                escape(&message)
            ));
        }
        Trigger::Rest | Trigger::HttpApi | Trigger::FunctionUrl => {
            let aws: Value = serde_json::from_slice(&out.body).unwrap_or(Value::Null);
            out.body = Bytes::from(
                serde_json::json!({
                    "message": aws["message"],
                    "initError": {"errorType": error_type, "errorMessage": message},
                    "hint": INIT_HINT,
                })
                .to_string(),
            );
        }
    }
    out
}

/// The HTTP response for a finished invocation.
pub fn from_outcome(trigger: Trigger, outcome: &Outcome) -> HttpResponse {
    match outcome {
        Outcome::Buffered { body, .. } => {
            from_lambda(trigger, body).unwrap_or_else(|_| failure_response(trigger, Failure::Malformed))
        }
        Outcome::Streamed { prelude, body, error: None, .. } => {
            let (status, headers) = stream_head(prelude.as_ref());
            HttpResponse { status, headers, body: body.clone() }
        }
        Outcome::InitError { error_type, body } => init_failure_response(trigger, error_type, body),
        Outcome::Streamed { .. } | Outcome::Error { .. } => failure_response(trigger, Failure::FunctionError),
        Outcome::Timeout => failure_response(trigger, Failure::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_response_with_multi_value_headers() {
        let r = from_lambda(
            Trigger::Rest,
            br#"{"statusCode":200,"headers":{"x-a":"1","content-length":"99"},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"ok"}"#,
        )
        .expect("ok");
        assert_eq!(r.status, 200);
        assert_eq!(r.header_values("x-a"), vec!["1"]);
        assert_eq!(r.header_values("set-cookie"), vec!["a=1", "b=2"]);
        assert!(r.header_values("content-length").is_empty());
        assert_eq!(&r.body[..], b"ok");
    }

    #[test]
    fn malformed_responses() {
        assert_eq!(from_lambda(Trigger::Rest, b"not json"), Err(GatewayError::NotJson));
        assert_eq!(from_lambda(Trigger::Rest, br#"{"body":"x"}"#), Err(GatewayError::BadStatusCode));
        assert_eq!(from_lambda(Trigger::Alb, br#"{"statusCode":"abc"}"#), Err(GatewayError::BadStatusCode));
        assert_eq!(
            from_lambda(Trigger::HttpApi, br#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#),
            Err(GatewayError::BadBase64)
        );
        assert_eq!(
            from_lambda(Trigger::Rest, br#"{"statusCode":200,"headers":["x"]}"#),
            Err(GatewayError::BadField("headers"))
        );
        let bad = failure_response(Trigger::HttpApi, Failure::Malformed);
        assert_eq!(bad.status, 502);
        assert_eq!(&bad.body[..], br#"{"message":"Internal Server Error"}"#);
    }

    #[test]
    fn http_api_infers_plain_json() {
        let r = from_lambda(Trigger::HttpApi, br#"{"hello":"world"}"#).expect("ok");
        assert_eq!(r.status, 200);
        assert_eq!(r.header_values("content-type"), vec!["application/json"]);
        assert_eq!(&r.body[..], br#"{"hello":"world"}"#);
    }

    #[test]
    fn alb_response() {
        let r = from_lambda(
            Trigger::AlbMulti,
            br#"{"statusCode":404,"statusDescription":"404 Not Found","multiValueHeaders":{"x":["1","2"]},"body":""}"#,
        )
        .expect("ok");
        assert_eq!(r.status, 404);
        assert_eq!(r.header_values("x"), vec!["1", "2"]);
    }

    #[test]
    fn init_failures_are_named_for_every_trigger() {
        let body = ErrorBody::Json(serde_json::json!({"errorType": "Extension.Crash", "errorMessage": "a <b> crash"}));
        let alb = init_failure_response(Trigger::Alb, "Extension.Crash", &body);
        assert_eq!(alb.status, 502);
        let page = String::from_utf8_lossy(&alb.body);
        assert!(page.contains("init error Extension.Crash: a &lt;b&gt; crash"), "{page}");
        let rest = init_failure_response(Trigger::Rest, "Sandbox.Timedout", &ErrorBody::Raw(Bytes::from("raw")));
        assert_eq!(rest.status, 502);
        let doc: Value = serde_json::from_slice(&rest.body).expect("JSON");
        assert_eq!(doc["message"], "Internal server error");
        assert_eq!(doc["initError"]["errorMessage"], "raw");
    }

    #[test]
    fn stream_heads() {
        let prelude = serde_json::json!({"statusCode":201,"headers":{"content-type":"text/plain"},"cookies":["a=1"]});
        let (status, headers) = stream_head(Some(&prelude));
        assert_eq!(status, 201);
        assert!(headers.contains(&("set-cookie".into(), "a=1".into())));
        assert_eq!(stream_head(None), (200, vec![]));
    }
}
