//! Non-HTTP events: POSTed to the pass-through path with the event bytes unchanged.

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};

use super::headers::HeaderError;
use super::{EventError, ResponseShape, Source, Translation};
use crate::config::Config;
use crate::context::InvokeContext;

pub(crate) fn translate(event: &[u8], ctx: &InvokeContext, config: &Config) -> Result<Translation, EventError> {
    let mut warnings = Vec::new();
    let body = Bytes::copy_from_slice(event);
    let mut request = http::Request::new(body);
    *request.method_mut() = http::Method::POST;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(event.len()));
    let shape = ResponseShape { source: Source::PassThrough, multi_value: false, accept_encoding: None };
    // A fresh map of four headers is never full; the error is still answered, never a panic.
    match super::headers::insert_invoke_context(headers, ctx, &config.function, &mut warnings) {
        Ok(()) => {}
        Err(HeaderError::TooLarge(message)) => {
            let status = http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
            return Ok(Translation::Reject { shape, status, message, warnings });
        }
        Err(HeaderError::Context(name)) => return Err(EventError::ContextHeader { name }),
    }
    match config.pass_through_path.parse::<http::Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        // The path was validated with the configuration; keep `/` rather than fail.
        Err(_) => *request.uri_mut() = http::Uri::from_static("/"),
    }
    Ok(Translation::Forward { request, shape, warnings })
}
