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

use base64::Engine;
use serde_json::Value;

use crate::echo_app::Received;

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

/// Whether `raw` can stand in a request line as it is (so an adapter has no choice but to
/// send it unchanged): visible ASCII other than what RFC 3986 excludes, and every `%`
/// starting an escape.
fn wire_ready(raw: &str, in_path: bool) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes.len() > i + 2 && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit(),
        b'?' => !in_path,
        b'"' | b'#' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => false,
        b'!'..=b'~' => true,
        _ => false,
    })
}

/// Every cookie of an HTTP API or Function URL event's `cookies` array reaches the app in
/// its one `cookie` header (`REQ-COOKIES-ONE-HEADER`); how they are separated is a
/// SHOULD of its own, so the line is split at `;` before comparing.
fn check_cookies(value: &Value, app: &Received) -> Option<Broken> {
    let plain = |c: &&str| !c.is_empty() && c.bytes().all(|b| (0x20..0x7f).contains(&b));
    let cookies: Vec<&str> = value.get("cookies")?.as_array()?.iter().filter_map(Value::as_str).filter(plain).collect();
    if cookies.is_empty() {
        return None;
    }
    let lines: Vec<&String> =
        app.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("cookie")).map(|(_, v)| v).collect();
    let crumbs: Vec<&str> = lines.iter().flat_map(|l| l.split(';')).map(str::trim).collect();
    let missing: Vec<&&str> = cookies.iter().filter(|c| !crumbs.contains(&c.trim())).collect();
    if lines.len() > 1 || !missing.is_empty() {
        return Some((
            "REQ-COOKIES-ONE-HEADER",
            format!("{} cookie lines; cookies of the event missing from them: {missing:?}", lines.len()),
        ));
    }
    None
}

/// The body of an answer the contract fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnswerBody {
    /// This UTF-8 text.
    Text(&'static str),
    /// The echo document: JSON describing the request.
    Echo,
    /// The 1x1 PNG of `/binary` (standard base64).
    Png,
    /// No body at all.
    Empty,
}

/// What the echo app answers to a request, where the contract (`sample-apps/CONTRACT.md`)
/// fixes it whatever else the request holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: Option<&'static str>,
    body: AnswerBody,
    /// Other headers, a repeated one as several pairs in order.
    headers: &'static [(&'static str, &'static str)],
    /// The `set-cookie` lines, in order.
    cookies: &'static [&'static str],
}

impl Answer {
    const fn plain(status: u16, content_type: &'static str, body: AnswerBody) -> Self {
        Self { status, content_type: Some(content_type), body, headers: &[], cookies: &[] }
    }
}

/// The contract's answer to `app`'s request: the echo route (`200`, JSON) for any method,
/// the fixed `GET` routes (`/`, `/cookies`, `/headers/multi`, `/binary`, `/redirect`), and
/// anything that is no route, those paths with another method included (`404`,
/// `text/plain`, `not found`). `None` for `HEAD` and for
/// the routes whose answer depends on the request or the time (`/status`, `/big`,
/// `/stream`, `/slow`, `/context`, `/events`, ...).
fn known_answer(app: &Received) -> Option<Answer> {
    const OTHER_ROUTES: [&str; 8] = ["/big", "/stream", "/empty", "/gzip", "/events", "/slow", "/context", "/status"];
    let path = app.path.as_str();
    if app.method == "HEAD" {
        return None;
    }
    if path == "/echo" || path.starts_with("/echo/") {
        return Some(Answer::plain(200, "application/json", AnswerBody::Echo));
    }
    let get = app.method == "GET";
    Some(match path {
        "/" if get => Answer::plain(200, "text/plain", AnswerBody::Text("ok")),
        "/cookies" if get => Answer {
            cookies: &["a=1; Path=/", "b=2; Path=/; HttpOnly", "c=3; Path=/; Secure; SameSite=Strict"],
            ..Answer::plain(200, "application/json", AnswerBody::Text(r#"{"cookies":3}"#))
        },
        "/headers/multi" if get => Answer {
            headers: &[("x-multi", "one"), ("x-multi", "two")],
            ..Answer::plain(200, "text/plain", AnswerBody::Text("multi"))
        },
        "/binary" if get => Answer::plain(200, "image/png", AnswerBody::Png),
        "/redirect" if get => Answer {
            status: 302,
            content_type: None,
            body: AnswerBody::Empty,
            headers: &[("location", "/echo/redirected")],
            cookies: &[],
        },
        _ if OTHER_ROUTES.contains(&path) || path.starts_with("/status/") => return None,
        _ => Answer::plain(404, "text/plain", AnswerBody::Text("not found")),
    })
}

/// Where a source's response carries its headers, by the AWS documentation of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fields {
    /// HTTP API 2.0 and Function URLs: `headers` (repeated values joined) and `cookies`.
    V2,
    /// REST and HTTP API 1.0: every value in `multiValueHeaders`.
    Rest,
    /// An ALB target group with multi-value headers: every value in `multiValueHeaders`.
    AlbMulti,
    /// An ALB target group without: one value per name in `headers`.
    AlbSingle,
}

impl Fields {
    /// The rule that makes a repeated header (or every cookie) arrive whole in this format.
    fn repeated_rule(self) -> Option<&'static str> {
        match self {
            Self::V2 => Some("RESP-V2-HEADERS-JOINED"),
            Self::Rest => Some("RESP-V1-MULTI-VALUE-HEADERS"),
            Self::AlbMulti => Some("RESP-ALB-MULTI-VALUE-ALL"),
            // One value per name: what becomes of a repeated one is a REFERENCE choice.
            Self::AlbSingle => None,
        }
    }
}

/// Every value Lambda's response holds for header `name` (any case): the `multiValueHeaders`
/// list when the format reads that, else the `headers` value (split at `,` when `split`).
fn response_values(fields: Fields, lambda: &Value, name: &str, split: bool) -> Vec<String> {
    let find = |map: &str| {
        lambda.get(map).and_then(Value::as_object).and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
    };
    let multi = find("multiValueHeaders")
        .and_then(|(_, v)| v.as_array())
        .map(|vs| vs.iter().filter_map(Value::as_str).map(str::to_owned).collect::<Vec<_>>());
    let single = || {
        find("headers").and_then(|(_, v)| v.as_str()).map_or_else(Vec::new, |v| {
            if split {
                v.split(',').map(|p| p.trim().to_owned()).collect()
            } else {
                vec![v.to_owned()]
            }
        })
    };
    match fields {
        Fields::V2 | Fields::AlbSingle => single(),
        Fields::AlbMulti => multi.unwrap_or_default(),
        // REST merges the two maps; a value only in `headers` still reaches the client.
        Fields::Rest => multi.filter(|m| !m.is_empty()).unwrap_or_else(single),
    }
}

/// What Lambda received for an HTTP event whose app answer the contract fixes: the status,
/// the content type and other headers (`RESP-STATUS-BODY`), the body as text or base64 by
/// the text rule (`RESP-BODY-TEXT`, `RESP-BODY-BINARY-BASE64`), and repeated headers and
/// cookies whole in the fields the source reads (`RESP-V2-COOKIES`,
/// `RESP-V2-HEADERS-JOINED`, `RESP-V1-MULTI-VALUE-HEADERS`, `RESP-ALB-MULTI-VALUE-ALL`).
fn check_answer(fields: Fields, app: &Received, lambda: &Value) -> Vec<Broken> {
    let Some(answer) = known_answer(app) else { return Vec::new() };
    let mut broken = Vec::new();
    if lambda.get("statusCode").and_then(Value::as_u64) != Some(u64::from(answer.status)) {
        broken.push((
            "RESP-STATUS-BODY",
            format!(
                "the app answered {}, Lambda received statusCode {}",
                answer.status,
                show(lambda.get("statusCode"))
            ),
        ));
    }
    broken.extend(check_body(answer.body, lambda));
    let mut expected: Vec<(&str, Vec<&str>)> = Vec::new();
    if let Some(content_type) = answer.content_type {
        expected.push(("content-type", vec![content_type]));
    }
    for (name, value) in answer.headers {
        match expected.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(value),
            None => expected.push((name, vec![value])),
        }
    }
    for (name, values) in expected {
        let repeated = values.len() > 1;
        let rule = match (repeated, fields.repeated_rule()) {
            // A multi-value target group reads `multiValueHeaders` only, one value or more.
            (false, _) if fields == Fields::AlbMulti => "RESP-ALB-MULTI-VALUE-ALL",
            (false, _) => "RESP-STATUS-BODY",
            (true, Some(rule)) => rule,
            (true, None) => continue,
        };
        let got = response_values(fields, lambda, name, repeated);
        if got != values {
            broken.push((rule, format!("the app answered {name}: {values:?}, Lambda received {got:?}")));
        }
    }
    if !answer.cookies.is_empty() {
        let (rule, got) = match fields {
            Fields::V2 => {
                let in_headers = response_values(fields, lambda, "set-cookie", false);
                if !in_headers.is_empty() {
                    broken.push(("RESP-V2-COOKIES", format!("set-cookie left in headers: {in_headers:?}")));
                }
                let cookies = lambda
                    .get("cookies")
                    .and_then(Value::as_array)
                    .map_or_else(Vec::new, |c| c.iter().filter_map(Value::as_str).map(str::to_owned).collect());
                ("RESP-V2-COOKIES", cookies)
            }
            Fields::Rest => ("RESP-V1-MULTI-VALUE-HEADERS", response_values(fields, lambda, "set-cookie", false)),
            Fields::AlbMulti => ("RESP-ALB-MULTI-VALUE-ALL", response_values(fields, lambda, "set-cookie", false)),
            Fields::AlbSingle => return broken,
        };
        if got != answer.cookies {
            broken.push((rule, format!("the app set the cookies {:?}, Lambda received {got:?}", answer.cookies)));
        }
    }
    broken
}

/// The body Lambda received against the body the app sent.
fn check_body(body: AnswerBody, lambda: &Value) -> Option<Broken> {
    let text = lambda.get("body").and_then(Value::as_str);
    let base64 = lambda.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let broken = |rule, why: String| Some((rule, why));
    match body {
        AnswerBody::Png => {
            let png = BASE64.decode(crate::echo_app::PNG_BASE64).unwrap_or_default();
            if !base64 {
                return broken(
                    "RESP-BODY-BINARY-BASE64",
                    "the app's image/png answer was not sent base64-encoded".into(),
                );
            }
            let got = text.and_then(|t| BASE64.decode(t).ok());
            (got.as_deref() != Some(png.as_slice())).then(|| {
                ("RESP-BODY-BINARY-BASE64", format!("the app's {}-byte PNG is not the body Lambda received", png.len()))
            })
        }
        _ if base64 => broken("RESP-BODY-TEXT", format!("the app's text answer {body:?} was sent base64-encoded")),
        AnswerBody::Text(expected) => (text != Some(expected)).then(|| {
            ("RESP-BODY-TEXT", format!("the app answered {expected:?}, Lambda received {}", show(lambda.get("body"))))
        }),
        AnswerBody::Empty => (!text.unwrap_or_default().is_empty()).then(|| {
            ("RESP-STATUS-BODY", format!("the app's answer has no body, Lambda received {}", show(lambda.get("body"))))
        }),
        AnswerBody::Echo => {
            let echo = text.and_then(|t| serde_json::from_str::<Value>(t).ok());
            echo.and_then(|v| v.get("method").cloned())
                .is_none()
                .then(|| ("RESP-BODY-TEXT", "the app's JSON echo is not the body Lambda received".to_owned()))
        }
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "nothing".to_owned(), Value::to_string)
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

/// Header names the adapter owns or rewrites by rule (hop-by-hop fields, framing, the
/// cookie line it joins, the host it may drop, the context headers it sets): values of
/// these are not required to arrive as the event has them.
const NOT_FORWARDED_AS_IS: [&str; 16] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
    "content-length",
    "host",
    "cookie",
    "expect",
    "x-amzn-request-context",
    "x-amzn-lambda-context",
    "x-amz-tenant-id",
    "x-amzn-trace-id",
];

/// The event's request headers as (lowercase name, value) pairs, in order: HTTP API and
/// Function URL `headers`; REST and ALB `multiValueHeaders` when present (with the names
/// only `headers` has), else `headers`.
fn event_headers(shape: Shape, value: &Value) -> Vec<(String, String)> {
    let single: Vec<(String, String)> = value
        .get("headers")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default();
    if shape == Shape::V2 {
        return single;
    }
    let Some(multi) = value.get("multiValueHeaders").and_then(Value::as_object) else { return single };
    let mut pairs: Vec<(String, String)> = multi
        .iter()
        .flat_map(|(k, vs)| {
            let values = vs.as_array().cloned().unwrap_or_default();
            values.into_iter().filter_map(move |v| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
        })
        .collect();
    let named: std::collections::HashSet<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
    pairs.extend(single.into_iter().filter(|(k, _)| !named.contains(k)));
    pairs
}

/// Every value of every header the event carries reaches the app under its name, in
/// order (`REQ-HEADERS-MULTI-VALUE`), for the headers an adapter has no rule to change:
/// valid HTTP tokens with plain printable ASCII values, none the adapter owns, none a
/// `connection` header names, none imitating a context header.
fn check_headers(shape: Shape, value: &Value, app: &Received) -> Option<Broken> {
    let pairs = event_headers(shape, value);
    let listed: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "connection")
        .flat_map(|(_, v)| v.split(',').map(|o| o.trim().to_ascii_lowercase()).collect::<Vec<_>>())
        .collect();
    let token = |name: &str| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let plain = |v: &str| v.bytes().all(|b| (0x20..0x7f).contains(&b));
    let context_like = |name: &str| NOT_FORWARDED_AS_IS[12..].iter().any(|c| name.replace('_', "-") == *c);
    let mut expected: Vec<(String, Vec<String>)> = Vec::new();
    for (name, v) in &pairs {
        if !token(name) || NOT_FORWARDED_AS_IS.contains(&name.as_str()) || listed.contains(name) || context_like(name) {
            continue;
        }
        if !pairs.iter().filter(|(k, _)| k == name).all(|(_, v)| plain(v)) {
            continue; // a value the adapter may drop or encode: judged by the reference
        }
        match expected.iter_mut().find(|(k, _)| k == name) {
            Some((_, values)) => values.push(v.trim().to_owned()),
            None => expected.push((name.clone(), vec![v.trim().to_owned()])),
        }
    }
    let missing: Vec<String> = expected
        .into_iter()
        .filter_map(|(name, values)| {
            let got: Vec<String> = app
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(&name))
                .map(|(_, v)| v.trim().to_owned())
                .collect();
            (got != values).then(|| format!("{name}: the event has {values:?}, the app received {got:?}"))
        })
        .collect();
    (!missing.is_empty()).then(|| ("REQ-HEADERS-MULTI-VALUE", missing.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(method: &str, path: &str, query: &str, body: &[u8]) -> Received {
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

    fn rules(broken: &[Broken]) -> Vec<&'static str> {
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
    fn what_a_request_line_cannot_hold_is_left_to_the_reference() {
        let event = br#"{"version":"2.0","rawPath":"/caf\u00e9 menu","rawQueryString":"q=a b","requestContext":{"http":{"method":"GET"}}}"#;
        assert!(check("apigw-v2/e.json", event, Some(&received("GET", "/anything", "else", b"")), None).is_empty());
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

    #[test]
    fn every_value_of_a_plain_header_reaches_the_app() {
        let event = br#"{"httpMethod":"GET","path":"/p","requestContext":{},
            "headers":{"X-Tag":"three","Accept":"*/*"},
            "multiValueHeaders":{"X-Tag":["one","two","three"],"Connection":["x-hop"],"X-Hop":["h"],
              "Cookie":["a=1","b=2"],"X_Amzn_Trace_Id":["spoof"],"X-Odd":["caf\u00e9"]}}"#;
        let mut app = received("GET", "/p", "", b"");
        app.headers = vec![
            ("x-tag".into(), "one".into()),
            ("x-tag".into(), "two".into()),
            ("x-tag".into(), "three".into()),
            ("accept".into(), "*/*".into()),
        ];
        assert!(
            check("apigw-v1/e.json", event, Some(&app), None).is_empty(),
            "{:?}",
            check("apigw-v1/e.json", event, Some(&app), None)
        );
        app.headers = vec![("x-tag".into(), "three".into())];
        let broken = check("apigw-v1/e.json", event, Some(&app), None);
        assert_eq!(rules(&broken), ["REQ-HEADERS-MULTI-VALUE"]);
        assert!(broken[0].1.contains("x-tag") && broken[0].1.contains("accept"), "{broken:?}");
    }

    #[test]
    fn lambda_gets_the_contracts_fixed_answers_in_the_sources_fields() {
        let v2 = br#"{"version":"2.0","rawPath":"/nowhere","requestContext":{"http":{"method":"GET"}}}"#;
        let app = received("GET", "/nowhere", "", b"");
        let good = serde_json::json!({"statusCode": 404, "headers": {"content-type": "text/plain"}, "body": "not found", "isBase64Encoded": false});
        assert!(check("apigw-v2/e.json", v2, Some(&app), Some(&good)).is_empty());
        let bad =
            serde_json::json!({"statusCode": 200, "headers": {}, "body": "bm90IGZvdW5k", "isBase64Encoded": true});
        assert_eq!(
            rules(&check("apigw-v2/e.json", v2, Some(&app), Some(&bad))),
            ["RESP-STATUS-BODY", "RESP-BODY-TEXT", "RESP-STATUS-BODY"]
        );
        // REST: the content type may be in multiValueHeaders only; the echo route answers JSON.
        let v1 = br#"{"httpMethod":"POST","path":"/echo/x","requestContext":{}}"#;
        let echo = received("POST", "/echo/x", "", b"");
        let answer = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["application/json"]},
            "body": "{\"method\":\"POST\"}", "isBase64Encoded": false});
        assert!(check("apigw-v1/e.json", v1, Some(&echo), Some(&answer)).is_empty());
        // Routes whose answer depends on the request, and HEAD, are not derived.
        let head = received("HEAD", "/nowhere", "", b"");
        let v2_head = br#"{"version":"2.0","rawPath":"/nowhere","requestContext":{"http":{"method":"HEAD"}}}"#;
        assert!(check("apigw-v2/e.json", v2_head, Some(&head), Some(&bad)).is_empty());
    }

    #[test]
    fn repeated_headers_and_cookies_arrive_whole_in_each_sources_fields() {
        let v2 = br#"{"version":"2.0","rawPath":"/cookies","requestContext":{"http":{"method":"GET"}}}"#;
        let cookies = received("GET", "/cookies", "", b"");
        let body = r#"{"cookies":3}"#;
        let jar = ["a=1; Path=/", "b=2; Path=/; HttpOnly", "c=3; Path=/; Secure; SameSite=Strict"];
        let good = serde_json::json!({"statusCode": 200, "headers": {"content-type": "application/json"},
            "cookies": jar, "body": body});
        assert!(check("function-url/e.json", v2, Some(&cookies), Some(&good)).is_empty());
        let in_headers = serde_json::json!({"statusCode": 200, "cookies": [],
            "headers": {"content-type": "application/json", "set-cookie": jar.join(", ")}, "body": body});
        assert_eq!(
            rules(&check("apigw-v2/e.json", v2, Some(&cookies), Some(&in_headers))),
            ["RESP-V2-COOKIES", "RESP-V2-COOKIES"]
        );

        let rest = br#"{"httpMethod":"GET","path":"/headers/multi","requestContext":{}}"#;
        let multi = received("GET", "/headers/multi", "", b"");
        let both = serde_json::json!({"statusCode": 200, "headers": {"content-type": "text/plain", "x-multi": "two"},
            "multiValueHeaders": {"Content-Type": ["text/plain"], "X-Multi": ["one", "two"]}, "body": "multi"});
        assert!(check("apigw-v1/e.json", rest, Some(&multi), Some(&both)).is_empty());
        assert!(check("httpapi-v1/e.json", rest, Some(&multi), Some(&both)).is_empty());
        let last_only = serde_json::json!({"statusCode": 200, "headers": {"content-type": "text/plain", "x-multi": "two"},
            "body": "multi"});
        assert_eq!(
            rules(&check("apigw-v1/e.json", rest, Some(&multi), Some(&last_only))),
            ["RESP-V1-MULTI-VALUE-HEADERS"]
        );
        let joined = serde_json::json!({"statusCode": 200, "headers": {"content-type": "text/plain", "x-multi": "one, two"},
            "body": "multi"});
        let v2_multi = br#"{"version":"2.0","rawPath":"/headers/multi","requestContext":{"http":{"method":"GET"}}}"#;
        assert!(check("apigw-v2/e.json", v2_multi, Some(&multi), Some(&joined)).is_empty());
        assert_eq!(
            rules(&check("apigw-v2/e.json", v2_multi, Some(&multi), Some(&last_only))),
            ["RESP-V2-HEADERS-JOINED"]
        );

        // ALB: the request's mode says which map the load balancer reads.
        let alb_multi =
            br#"{"httpMethod":"GET","path":"/headers/multi","multiValueHeaders":{},"requestContext":{"elb":{}}}"#;
        let alb_single = br#"{"httpMethod":"GET","path":"/headers/multi","headers":{},"requestContext":{"elb":{}}}"#;
        assert_eq!(
            rules(&check("alb/e.json", alb_multi, Some(&multi), Some(&joined))),
            ["RESP-ALB-MULTI-VALUE-ALL", "RESP-ALB-MULTI-VALUE-ALL"],
            "neither the content type nor x-multi is where the load balancer reads"
        );
        assert!(check("alb/e.json", alb_multi, Some(&multi), Some(&both)).is_empty());
        assert!(
            check("alb/e.json", alb_single, Some(&multi), Some(&last_only)).is_empty(),
            "one value per name: a REFERENCE choice"
        );
    }

    #[test]
    fn binary_bodies_and_redirects_are_derived_too() {
        let event = br#"{"httpMethod":"GET","path":"/binary","requestContext":{}}"#;
        let app = received("GET", "/binary", "", b"");
        let png = crate::echo_app::PNG_BASE64;
        let good = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["image/png"]},
            "body": png, "isBase64Encoded": true});
        assert!(check("apigw-v1/e.json", event, Some(&app), Some(&good)).is_empty());
        let as_text = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["image/png"]},
            "body": "\u{fffd}PNG", "isBase64Encoded": false});
        assert_eq!(rules(&check("apigw-v1/e.json", event, Some(&app), Some(&as_text))), ["RESP-BODY-BINARY-BASE64"]);
        let truncated = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["image/png"]},
            "body": &png[..40], "isBase64Encoded": true});
        assert_eq!(rules(&check("apigw-v1/e.json", event, Some(&app), Some(&truncated))), ["RESP-BODY-BINARY-BASE64"]);

        let event = br#"{"version":"2.0","rawPath":"/redirect","requestContext":{"http":{"method":"GET"}}}"#;
        let app = received("GET", "/redirect", "", b"");
        let good = serde_json::json!({"statusCode": 302, "headers": {"location": "/echo/redirected"}, "body": ""});
        assert!(check("apigw-v2/e.json", event, Some(&app), Some(&good)).is_empty());
        let lost = serde_json::json!({"statusCode": 301, "headers": {}, "body": "moved"});
        assert_eq!(
            rules(&check("apigw-v2/e.json", event, Some(&app), Some(&lost))),
            ["RESP-STATUS-BODY", "RESP-STATUS-BODY", "RESP-STATUS-BODY"]
        );
        // The same paths with another method are no route: 404.
        let post = received("POST", "/redirect", "", b"");
        let event = br#"{"version":"2.0","rawPath":"/redirect","requestContext":{"http":{"method":"POST"}}}"#;
        assert_eq!(rules(&check("apigw-v2/e.json", event, Some(&post), Some(&good))).len(), 3);
    }

    #[test]
    fn the_events_cookies_arrive_in_one_line_whatever_the_separator() {
        let event =
            br#"{"version":"2.0","rawPath":"/p","cookies":["a=1","b=2"],"requestContext":{"http":{"method":"GET"}}}"#;
        let mut app = received("GET", "/p", "", b"");
        for line in ["a=1; b=2", "a=1;b=2"] {
            app.headers = vec![("cookie".into(), line.into())];
            assert!(check("apigw-v2/e.json", event, Some(&app), None).is_empty(), "{line}");
        }
        app.headers = vec![("cookie".into(), "a=1".into())];
        assert_eq!(rules(&check("function-url/e.json", event, Some(&app), None)), ["REQ-COOKIES-ONE-HEADER"]);
        app.headers = vec![("cookie".into(), "a=1".into()), ("cookie".into(), "b=2".into())];
        assert_eq!(rules(&check("apigw-v2/e.json", event, Some(&app), None)), ["REQ-COOKIES-ONE-HEADER"]);
    }
}
