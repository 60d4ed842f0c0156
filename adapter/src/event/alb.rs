//! Application Load Balancer events, single- or multi-value.
//!
//! ALB does not decode query strings: keys and values arrive as the client sent them
//! and are joined back verbatim. A request with `multiValueHeaders` means the target
//! group has multi-value headers on, and the response must use them too. Otherwise the
//! fields are REST's (the query and header rules are [`apigw_v1`]'s).
//!
//! The rules are stated once, over [`Fields`]: the fast path applies them to its borrowed
//! shape, the `Value`-based reader to the parsed event.

use super::fields::{Fields, Key, Read};
use super::{apigw_v1, uri};

pub(crate) fn read<F: Fields>(event: &mut F) -> Result<Read<F::Str>, F::Error> {
    let multi_value = event.has(Key::MultiValueHeaders) || event.has(Key::MultiValueQueryStringParameters);
    let query = uri::alb_query(&apigw_v1::query_pairs(event)?);
    Ok(Read {
        method: event.str_req(Key::HttpMethod)?,
        path: event.str_req(Key::Path)?,
        query,
        headers: apigw_v1::merged_headers(event)?,
        cookies: Vec::new(),
        body: event.str_opt(Key::Body)?,
        base64: event.bool_or_false(Key::IsBase64Encoded)?,
        multi_value,
    })
}
