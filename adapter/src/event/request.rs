//! The request the app receives, built from the [`HttpEvent`] of any source: body,
//! method and target, one `Cookie` line, and the context headers only the adapter sets.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::{headers, uri, EventError, HttpEvent, ResponseShape, Source, Translation};
use crate::config::Config;
use crate::context::InvokeContext;

/// The longest request target (path and query) sent to the app. The `http` crate takes
/// URIs of up to 65,534 bytes, the app's authority included; this leaves room for any
/// `host:port`. Front doors deliver far less (API Gateway about 10 KB, ALB 16 KB), so only
/// hand-made events come near it; they get 414 rather than a connection error later.
pub const MAX_TARGET: usize = 64 * 1024 - 1024;

/// The standard alphabet, tolerant of missing padding.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

pub(super) fn build(
    source: Source,
    event: HttpEvent<'_>,
    ctx: &InvokeContext,
    config: &Config,
    mut warnings: Vec<String>,
) -> Result<Translation, EventError> {
    // Fault injection for the suite's self-test: lose the cookies, as a buggy adapter
    // would. Here, where both event paths meet, so neither escapes it.
    #[cfg(feature = "fault-drop-cookies")]
    let event = HttpEvent { cookies: Vec::new(), ..event };
    let refused = |shape: ResponseShape, err: headers::HeaderError, warnings: Vec<String>| match err {
        headers::HeaderError::TooLarge(message) => Ok(Translation::Reject {
            shape,
            status: http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            message,
            warnings,
        }),
        headers::HeaderError::Context(name) => Err(EventError::ContextHeader { name }),
    };
    // Before any header map is built: more headers than a front door delivers are refused
    // (and a map past http's capacity would panic).
    let checked = headers::check_limits(&event.headers, &event.cookies)
        .and_then(|()| headers::from_pairs(event.headers.iter().copied(), &mut warnings));
    let mut headers = match checked {
        Ok(headers) => headers,
        Err(err) => {
            let shape = ResponseShape { source, multi_value: event.multi_value, accept_encoding: None };
            return refused(shape, err, warnings);
        }
    };
    if let Some(cookie) = one_cookie_header(&headers, &event.cookies, &mut warnings) {
        if let Err(full) = headers.try_insert(http::header::COOKIE, cookie) {
            let shape = ResponseShape { source, multi_value: event.multi_value, accept_encoding: None };
            return refused(shape, headers::HeaderError::full(full), warnings);
        }
    }
    let shape = ResponseShape {
        source,
        multi_value: event.multi_value,
        accept_encoding: headers.get(http::header::ACCEPT_ENCODING).cloned(),
    };

    let body = match event.body {
        None => Bytes::new(),
        Some(text) if event.base64 => match BASE64.decode(text) {
            Ok(bytes) => Bytes::from(bytes),
            Err(err) => {
                let message = format!("the request body is marked isBase64Encoded but is not valid base64: {err}");
                return Ok(Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings });
            }
        },
        Some(text) => Bytes::copy_from_slice(text.as_bytes()),
    };

    let method = match Method::from_bytes(event.method.as_bytes()) {
        Ok(method) => method,
        Err(_) => {
            let message = format!("{:?} is not an HTTP method", event.method);
            return Ok(Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings });
        }
    };

    let path = match &config.remove_base_path {
        Some(base) => uri::strip_base_path(&event.path, base),
        None => std::borrow::Cow::Borrowed(event.path.as_ref()),
    };
    let mut target = uri::sanitize_path(&path).into_owned();
    // Fault injection for the suite's self-test: the query's pairs in reverse order.
    #[cfg(feature = "fault-query-reversed")]
    let event = HttpEvent { query: event.query.split('&').rev().collect::<Vec<_>>().join("&"), ..event };
    if !event.query.is_empty() {
        target.push('?');
        target.push_str(&uri::sanitize_query(&event.query));
    }
    if target.len() > MAX_TARGET {
        let message = format!(
            "the request path and query are {} bytes, more than the {MAX_TARGET} the adapter sends",
            target.len()
        );
        return Ok(Translation::Reject { shape, status: http::StatusCode::URI_TOO_LONG, message, warnings });
    }

    let finished = headers::prepare_for_app(&mut headers, &body, &method, &mut warnings)
        .and_then(|()| headers::apply_authorization_source(&mut headers, config.authorization_source.as_ref()))
        .and_then(|()| match &event.request_context {
            Some(context) => headers::insert_json(&mut headers, &headers::REQUEST_CONTEXT, context),
            None => Ok(()),
        })
        .and_then(|()| headers::insert_invoke_context(&mut headers, ctx, &config.function, &mut warnings));
    if let Err(err) = finished {
        return refused(shape, err, warnings);
    }

    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.headers_mut() = headers;
    match target.parse::<http::Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(err) => {
            let message = format!("the request path {target:?} is not a valid URI: {err}");
            return Ok(Translation::Reject { shape, status: http::StatusCode::BAD_REQUEST, message, warnings });
        }
    }
    Ok(Translation::Forward { request, shape, warnings })
}

/// The one `Cookie` header the app gets when the event has several cookie lines (REST
/// and ALB `multiValueHeaders`, an HTTP/2 client's split cookies) or a `cookies` field:
/// every line, then every `cookies` entry, joined with `; `. HTTP/1.1 allows one Cookie
/// line (RFC 6265, section 5.4; RFC 9113, section 8.2.3 for the HTTP/2 split), and
/// frameworks read only the first. `None` when there is nothing to join.
fn one_cookie_header(headers: &HeaderMap, cookies: &[&str], warnings: &mut Vec<String>) -> Option<HeaderValue> {
    let lines = headers.get_all(http::header::COOKIE);
    if cookies.is_empty() && lines.iter().nth(1).is_none() {
        return None;
    }
    let valid = cookies.iter().filter(|cookie| {
        let ok = HeaderValue::from_str(cookie).is_ok();
        if !ok {
            warnings.push(format!("cookie {cookie:?} is not a valid header value; dropped"));
        }
        ok
    });
    let mut joined = Vec::new();
    for crumb in lines.iter().map(HeaderValue::as_bytes).chain(valid.map(|c| c.as_bytes())) {
        if crumb.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            joined.extend_from_slice(b"; ");
        }
        joined.extend_from_slice(crumb);
    }
    // Valid header values joined with "; " are a valid header value.
    HeaderValue::from_bytes(&joined).ok()
}

/// Headers the app must see from the adapter only: every client copy is removed.
static RESERVED: [&HeaderName; 3] = [&headers::REQUEST_CONTEXT, &headers::LAMBDA_CONTEXT, &headers::TENANT_ID];

/// Set by the adapter from the invocation, replacing a client copy in place; kept from the
/// client only when Lambda sends no trace id, and only under its exact name.
static TRACE_ID: &HeaderName = &headers::TRACE_ID;

/// `name` is `reserved` up to ASCII case and `_` for `-`: WSGI, Rack and CGI servers map
/// both `x_amzn_request_context` and `x-amzn-request-context` to
/// `HTTP_X_AMZN_REQUEST_CONTEXT`, so either spelling would pass for the adapter's header.
fn imitates(name: &str, reserved: &str) -> bool {
    name.len() == reserved.len()
        && name.bytes().zip(reserved.bytes()).all(|(n, r)| {
            let n = if n == b'_' { b'-' } else { n.to_ascii_lowercase() };
            n == r
        })
}

/// Removes the client's copies of the headers the app must see from the adapter only,
/// under any spelling that imitates one (see [`imitates`]); spellings other than the exact
/// name are reported in `warnings`.
pub(crate) fn context_headers(map: &mut HeaderMap, warnings: &mut Vec<String>) {
    let spoofed: Vec<http::HeaderName> = map
        .keys()
        .filter(|name| {
            let (name, trace_id) = (name.as_str(), TRACE_ID.as_str());
            RESERVED.iter().any(|r| imitates(name, r.as_str())) || (name != trace_id && imitates(name, trace_id))
        })
        .cloned()
        .collect();
    for name in spoofed {
        if !RESERVED.contains(&&name) {
            warnings.push(format!("header {name} imitates a header only the adapter sets; dropped"));
        }
        map.remove(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::tests::{config, summary};
    use crate::event::{fast, translate};
    use serde_json::Value;

    /// An event of each HTTP source whose headers are `headers` (name, value); with
    /// `odd`, one more header whose value is a number, which the fast path refuses, so the
    /// `Value`-based readers take the event.
    fn events_with_headers(headers: &[(String, String)], odd: bool) -> Vec<(&'static str, Vec<u8>)> {
        let mut single = serde_json::Map::new();
        let mut multi = serde_json::Map::new();
        for (name, value) in headers {
            single.insert(name.clone(), Value::String(value.clone()));
            multi.insert(name.clone(), serde_json::json!([value]));
        }
        if odd {
            single.insert("x-odd".into(), serde_json::json!(1));
            multi.insert("x-odd".into(), serde_json::json!(1));
        }
        let v2 = serde_json::json!({
            "version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": single,
            "requestContext": {"http": {"method": "GET"}, "domainName": "x.execute-api.us-east-1.amazonaws.com"}
        });
        let v1 = serde_json::json!({
            "httpMethod": "GET", "path": "/", "headers": single, "multiValueHeaders": multi,
            "requestContext": {"resourcePath": "/", "stage": "prod"}
        });
        let alb = serde_json::json!({
            "httpMethod": "GET", "path": "/", "multiValueHeaders": multi,
            "requestContext": {"elb": {"targetGroupArn": "arn"}}
        });
        [("v2", v2), ("v1", v1), ("alb", alb)].into_iter().map(|(name, e)| (name, e.to_string().into_bytes())).collect()
    }

    fn assert_refused_431(headers: &[(String, String)]) {
        let ctx = InvokeContext { request_id: "r".into(), trace_id: Some("Root=1".into()), ..Default::default() };
        let config = config();
        for odd in [false, true] {
            for (name, event) in events_with_headers(headers, odd) {
                // Both readers must be exercised: the fast one takes the event unless `odd`.
                assert_eq!(matches!(fast::read(&event), Some(fast::Fast::Http(_))), !odd, "{name}: path taken");
                match translate(&event, &ctx, &config) {
                    Ok(Translation::Reject { status, .. }) => {
                        assert_eq!(status, http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "{name}, odd {odd}")
                    }
                    other => panic!("{name}, odd {odd}: expected a 431, got {}", summary(other)),
                }
            }
        }
    }

    /// Regression (issue 14): `HeaderMap::append` panics past about 24,576 distinct names,
    /// and with `panic = "abort"` the adapter died without reporting the invocation. An
    /// event with more headers than any front door delivers is refused with a 431.
    #[test]
    fn event_with_30000_header_names_is_refused_not_a_panic() {
        let headers: Vec<_> = (0..30_000).map(|i| (format!("x-h-{i}"), "v".to_owned())).collect();
        assert_refused_431(&headers);
    }

    /// Regression (issue 14): header bytes were unbounded; a few huge values went to the app.
    #[test]
    fn event_with_huge_header_values_is_refused() {
        let headers: Vec<_> = (0..4).map(|i| (format!("x-big-{i}"), "a".repeat(256 * 1024))).collect();
        assert_refused_431(&headers);
    }

    /// The caps are above what the front doors allow: a request at ALB's 64 KB limit passes.
    #[test]
    fn event_at_the_front_door_header_limits_is_forwarded() {
        let headers: Vec<_> = (0..8).map(|i| (format!("x-big-{i}"), "a".repeat(8 * 1024 - 16))).collect();
        let ctx = InvokeContext::default();
        for (name, event) in events_with_headers(&headers, false) {
            match translate(&event, &ctx, &config()) {
                Ok(Translation::Forward { request, .. }) => {
                    assert!(request.headers().contains_key("x-big-7"), "{name}")
                }
                other => panic!("{name}: expected a request, got {}", summary(other)),
            }
        }
    }

    /// Regression (issue 14): cookies on several lines reached the app as several
    /// `Cookie` lines (HTTP/1.1 allows one; frameworks read the first), and an HTTP API
    /// event's `cookies` replaced a `cookie` header instead of joining it.
    #[test]
    fn cookies_reach_the_app_as_one_line() {
        let ctx = InvokeContext::default();
        let cookie_of = |event: &str| match translate(event.as_bytes(), &ctx, &config()).unwrap() {
            Translation::Forward { request, .. } => {
                let lines: Vec<_> = request.headers().get_all("cookie").iter().cloned().collect();
                assert!(lines.len() <= 1, "{} cookie lines", lines.len());
                lines.first().map(|v| v.to_str().unwrap().to_owned())
            }
            other => panic!("not forwarded: {other:?}"),
        };
        let v1 = r#"{"httpMethod":"GET","path":"/","requestContext":{"stage":"s"},
            "multiValueHeaders":{"Cookie":["a=1","b=2; c=3",""]}}"#;
        assert_eq!(cookie_of(v1).as_deref(), Some("a=1; b=2; c=3"));
        let v2 = r#"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},
            "headers":{"cookie":"h=0"},"cookies":["a=1","bad=\u0001","b=2"]}"#;
        assert_eq!(cookie_of(v2).as_deref(), Some("h=0; a=1; b=2"));
        let single = r#"{"httpMethod":"GET","path":"/","requestContext":{"stage":"s"},"headers":{"Cookie":"a=1"}}"#;
        assert_eq!(cookie_of(single).as_deref(), Some("a=1"));
    }

    /// Regression (issue 14): a request target near 64 KB passed translation, then failed
    /// as a connection error when the app's authority was added. Past [`MAX_TARGET`] it
    /// is a 414; at the limit it is forwarded and still fits with any authority.
    #[test]
    fn request_target_past_the_limit_is_a_414() {
        let ctx = InvokeContext::default();
        let event = |query_len: usize| {
            let query = "q".repeat(query_len);
            format!(
                r#"{{"version":"2.0","rawPath":"/p","rawQueryString":"{query}","requestContext":{{"http":{{"method":"GET"}}}}}}"#
            )
        };
        // "/p?" is 3 bytes.
        match translate(event(MAX_TARGET - 3).as_bytes(), &ctx, &config()).unwrap() {
            Translation::Forward { request, .. } => {
                let target = request.uri().path_and_query().unwrap().as_str();
                assert_eq!(target.len(), MAX_TARGET);
                let absolute = format!("http://{}:65535{target}", "h".repeat(253));
                assert!(absolute.parse::<http::Uri>().is_ok(), "the longest target fits with any authority");
            }
            other => panic!("not forwarded: {other:?}"),
        }
        match translate(event(MAX_TARGET - 2).as_bytes(), &ctx, &config()).unwrap() {
            Translation::Reject { status, .. } => assert_eq!(status, http::StatusCode::URI_TOO_LONG),
            other => panic!("not refused: {other:?}"),
        }
    }
}
