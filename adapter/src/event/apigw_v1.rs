//! API Gateway REST API events (payload format 1.0), and HTTP API payload 1.0 events.
//!
//! `path` is used as sent; query values arrive decoded in
//! `multiValueQueryStringParameters`, so they are re-encoded, keeping key order and
//! repeated keys. `multiValueHeaders` carries every header value.
//!
//! The rules are stated once, over [`Fields`]: the fast path applies them to its borrowed
//! shape, the `Value`-based reader to the parsed event.

use super::fields::{Fields, Key, Read, StrPairs};
use super::{headers, uri};

pub(crate) fn read<F: Fields>(event: &mut F) -> Result<Read<F::Str>, F::Error> {
    let query = uri::rest_query(&query_pairs(event)?);
    let headers = merged_headers(event)?;
    Ok(Read {
        method: event.str_req(Key::HttpMethod)?,
        path: event.str_req(Key::Path)?,
        query,
        headers,
        cookies: Vec::new(),
        body: event.str_opt(Key::Body)?,
        base64: event.bool_or_false(Key::IsBase64Encoded)?,
        multi_value: true,
    })
}

/// `multiValueQueryStringParameters` when present, otherwise `queryStringParameters`.
/// Shared with ALB and WebSocket events.
pub(crate) fn query_pairs<F: Fields>(event: &mut F) -> Result<StrPairs<F>, F::Error> {
    match event.multi_map(Key::MultiValueQueryStringParameters)? {
        Some(pairs) => Ok(pairs),
        None => Ok(event.single_map(Key::QueryStringParameters)?.unwrap_or_default()),
    }
}

/// `multiValueHeaders` when present (it holds every value), plus any name that only
/// `headers` has; otherwise `headers`. Shared with ALB and WebSocket events.
pub(crate) fn merged_headers<F: Fields>(event: &mut F) -> Result<StrPairs<F>, F::Error> {
    let single = event.single_map(Key::Headers)?.unwrap_or_default();
    Ok(headers::merge(single, event.multi_map(Key::MultiValueHeaders)?))
}
