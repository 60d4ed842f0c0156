//! Request headers: validation, hop-by-hop removal, anti-spoofing and context headers.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, HOST};
use http::{HeaderMap, Method};

use crate::config::FunctionInfo;
use crate::context::InvokeContext;

/// Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, not the
/// request, so they never cross the adapter in either direction.
pub(crate) const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
];

/// `multiValueHeaders` (every value) plus any name only `headers` has; or `headers` alone
/// when there are no multi-value headers (REST and ALB events).
pub(crate) fn merge<N: AsRef<str>, V>(single: Vec<(N, V)>, multi: Option<Vec<(N, V)>>) -> Vec<(N, V)> {
    match multi {
        Some(mut multi) => {
            let extra: Vec<_> = single
                .into_iter()
                .filter(|(name, _)| !multi.iter().any(|(m, _)| m.as_ref().eq_ignore_ascii_case(name.as_ref())))
                .collect();
            multi.extend(extra);
            multi
        }
        None => single,
    }
}

/// A header map from event pairs; a pair that is not valid HTTP is dropped with a warning.
pub(crate) fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>, warnings: &mut Vec<String>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            warnings.push(format!("header name {name:?} is not a valid HTTP header name; dropped"));
            continue;
        };
        let Ok(value) = HeaderValue::from_str(value) else {
            warnings.push(format!("header {header} has a value that is not valid in HTTP; dropped"));
            continue;
        };
        map.append(header, value);
    }
    map
}

/// Removes what the client may not decide (hop-by-hop headers, a stale content-length,
/// spoofed context headers, an invalid host) and sets the body's real length.
pub(crate) fn prepare_for_app(map: &mut HeaderMap, body: &Bytes, method: &Method, warnings: &mut Vec<String>) {
    for name in HOP_BY_HOP {
        map.remove(name);
    }
    super::context_headers(map);
    let stated = map.remove(CONTENT_LENGTH);
    if let Some(stated) = stated {
        if stated.as_bytes() != body.len().to_string().as_bytes() {
            warnings.push(format!("content-length {stated:?} does not match the {}-byte body; corrected", body.len()));
        }
    }
    if !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        map.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    let hosts: Vec<_> = map.get_all(HOST).iter().cloned().collect();
    if let Some(host) = hosts.first() {
        let valid =
            hosts.len() == 1 && host.to_str().ok().and_then(|h| h.parse::<http::uri::Authority>().ok()).is_some();
        if !valid {
            warnings.push(format!("host {host:?} is not a valid authority; dropped"));
            map.remove(HOST);
        }
    }
}

/// Moves the configured header's value to `authorization`.
pub(crate) fn apply_authorization_source(map: &mut HeaderMap, source: Option<&HeaderName>) {
    if let Some(value) = source.and_then(|name| map.remove(name)) {
        map.insert(AUTHORIZATION, value);
    }
}

/// Inserts a JSON header value, or warns when it cannot be one.
pub(crate) fn insert_json(map: &mut HeaderMap, name: &'static str, json: &str, warnings: &mut Vec<String>) {
    match HeaderValue::from_str(json) {
        Ok(value) => {
            map.insert(name, value);
        }
        Err(_) => warnings.push(format!("{name} is not a valid header value; not sent")),
    }
}

/// `x-amzn-lambda-context`, `x-amz-tenant-id` and this invocation's `x-amzn-trace-id`.
pub(crate) fn insert_invoke_context(
    map: &mut HeaderMap,
    ctx: &InvokeContext,
    function: &FunctionInfo,
    warnings: &mut Vec<String>,
) {
    let (json, context_warnings) = ctx.lambda_context_json(function);
    warnings.extend(context_warnings);
    insert_json(map, "x-amzn-lambda-context", &json, warnings);
    if let Some(value) = ctx.tenant_id.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
        map.insert("x-amz-tenant-id", value);
    }
    if let Some(value) = ctx.trace_id.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
        map.insert("x-amzn-trace-id", value);
    }
}
