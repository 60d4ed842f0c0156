//! VPC Lattice target group events, event structure versions 1 and 2.
//!
//! v1: `raw_path`, `method`, `headers` (one value per name), `query_string_parameters`
//! (one value per name), `body`, `is_base64_encoded`; no request context.
//! v2: `path`, `method`, `headers` and `queryStringParameters` with a list of values per
//! name (a plain string is taken as one value: some typed libraries declare them so),
//! `body`, `isBase64Encoded`, `requestContext`.
//!
//! The path is used as sent; when it holds a `?`, what follows is the query exactly as the
//! client sent it. Otherwise the query is rebuilt from the parameters, taken as decoded
//! values and re-encoded (as for REST), keeping their order and every repeated value.

use std::borrow::Cow;

use super::fields::Obj;
use super::{uri, EventError, HttpEvent};

pub(crate) fn read_v1<'a>(event: Obj<'a>, warnings: &mut Vec<String>) -> Result<HttpEvent<'a>, EventError> {
    let mut warn = |w: String| warnings.push(w);
    let (path, raw_query) = split_target(event.str_req("raw_path")?);
    let query = match raw_query {
        Some(query) => query.to_owned(),
        None => uri::rest_query(&event.single_map("query_string_parameters", &mut warn)?.unwrap_or_default()),
    };
    Ok(HttpEvent {
        method: event.str_req("method")?,
        path: Cow::Borrowed(path),
        query,
        headers: event.single_map("headers", &mut warn)?.unwrap_or_default(),
        cookies: Vec::new(),
        body: event.str_opt("body")?,
        base64: event.bool_or_false("is_base64_encoded")?,
        request_context: None,
        multi_value: false,
    })
}

pub(crate) fn read_v2<'a>(event: Obj<'a>, warnings: &mut Vec<String>) -> Result<HttpEvent<'a>, EventError> {
    let mut warn = |w: String| warnings.push(w);
    let (path, raw_query) = split_target(event.str_req("path")?);
    let query = match raw_query {
        Some(query) => query.to_owned(),
        None => uri::rest_query(&event.list_or_single_map("queryStringParameters", &mut warn)?.unwrap_or_default()),
    };
    Ok(HttpEvent {
        method: event.str_req("method")?,
        path: Cow::Borrowed(path),
        query,
        headers: event.list_or_single_map("headers", &mut warn)?.unwrap_or_default(),
        cookies: Vec::new(),
        body: event.str_opt("body")?,
        base64: event.bool_or_false("isBase64Encoded")?,
        // Filled in from the raw event by `translate`.
        request_context: None,
        multi_value: false,
    })
}

/// The path and, when the path holds a `?`, the query after it.
pub(crate) fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}
