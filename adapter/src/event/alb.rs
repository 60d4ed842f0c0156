//! Application Load Balancer events, single- or multi-value.
//!
//! ALB does not decode query strings: keys and values arrive as the client sent them
//! and are joined back verbatim. A request with `multiValueHeaders` means the target
//! group has multi-value headers on, and the response must use them too.

use super::fields::Obj;
use super::{apigw_v1, uri, EventError, HttpEvent};

pub(crate) fn read<'a>(event: Obj<'a>, warnings: &mut Vec<String>) -> Result<HttpEvent<'a>, EventError> {
    let mut warn = |w: String| warnings.push(w);
    let multi_value =
        event.value("multiValueHeaders").is_some() || event.value("multiValueQueryStringParameters").is_some();
    let query_pairs = match event.multi_map("multiValueQueryStringParameters", &mut warn)? {
        Some(pairs) => pairs,
        None => event.single_map("queryStringParameters", &mut warn)?.unwrap_or_default(),
    };
    let query = uri::alb_query(&query_pairs);
    Ok(HttpEvent {
        method: event.str_req("httpMethod")?,
        path: event.str_req("path")?.into(),
        query,
        headers: apigw_v1::merged_headers(&event, &mut warn)?,
        cookies: Vec::new(),
        body: event.str_opt("body")?,
        base64: event.bool_or_false("isBase64Encoded")?,
        // Filled in from the raw event by `translate`.
        request_context: None,
        multi_value,
    })
}
