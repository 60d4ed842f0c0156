//! Non-HTTP events: POSTed to the pass-through path with the event bytes unchanged.

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};

use super::{ResponseShape, Source, Translation};
use crate::config::Config;
use crate::context::InvokeContext;

pub(crate) fn translate(event: &[u8], ctx: &InvokeContext, config: &Config) -> Translation {
    let mut warnings = Vec::new();
    let body = Bytes::copy_from_slice(event);
    let mut request = http::Request::new(body);
    *request.method_mut() = http::Method::POST;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(event.len()));
    super::headers::insert_invoke_context(headers, ctx, &config.function, &mut warnings);
    match config.pass_through_path.parse::<http::Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        // The path was validated with the configuration; keep `/` rather than fail.
        Err(_) => *request.uri_mut() = http::Uri::from_static("/"),
    }
    let shape = ResponseShape { source: Source::PassThrough, multi_value: false, accept_encoding: None };
    Translation::Forward { request, shape, warnings }
}
