//! API Gateway REST API events (payload format 1.0).
//!
//! `path` is used as sent; query values arrive decoded in
//! `multiValueQueryStringParameters`, so they are re-encoded, keeping key order and
//! repeated keys. `multiValueHeaders` carries every header value.

use super::fields::Obj;
use super::{headers, uri, EventError, HttpEvent};

pub(crate) fn read<'a>(event: Obj<'a>, warnings: &mut Vec<String>) -> Result<HttpEvent<'a>, EventError> {
    let mut warn = |w: String| warnings.push(w);
    let query_pairs = match event.multi_map("multiValueQueryStringParameters", &mut warn)? {
        Some(pairs) => pairs,
        None => event.single_map("queryStringParameters", &mut warn)?.unwrap_or_default(),
    };
    let query = uri::rest_query(&query_pairs);
    let headers = merged_headers(&event, &mut warn)?;
    Ok(HttpEvent {
        method: event.str_req("httpMethod")?,
        path: event.str_req("path")?.into(),
        query,
        headers,
        cookies: Vec::new(),
        body: event.str_opt("body")?,
        base64: event.bool_or_false("isBase64Encoded")?,
        // Filled in from the raw event by `translate`.
        request_context: None,
        multi_value: true,
    })
}

/// `multiValueHeaders` when present (it holds every value), plus any name that only
/// `headers` has; otherwise `headers`. Shared with ALB events.
pub(crate) fn merged_headers<'a>(
    event: &Obj<'a>,
    warn: &mut dyn FnMut(String),
) -> Result<Vec<(&'a str, &'a str)>, EventError> {
    let single = event.single_map("headers", warn)?.unwrap_or_default();
    Ok(headers::merge(single, event.multi_map("multiValueHeaders", warn)?))
}
