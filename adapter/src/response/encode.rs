//! The Lambda response for each source.
//!
//! - API Gateway REST (v1): `statusCode`, `headers` (names with one value),
//!   `multiValueHeaders` (every name, every value), `body`, `isBase64Encoded`.
//! - HTTP API (v2) and Function URL: `statusCode`, `headers` (repeated values joined
//!   with `, `), `cookies` (every `set-cookie`), `body`, `isBase64Encoded`.
//! - ALB: `statusCode`, `statusDescription` (`200 OK`), and `multiValueHeaders` if the
//!   request used them, else `headers` (repeated values joined with `, `; for
//!   `set-cookie`, which cannot be joined, the last one).
//! - Pass-through: the app's body itself when it is JSON, else the body as a JSON
//!   string (base64 when it is not UTF-8).

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::{compress, is_text};
use crate::error::{InvocationError, BUFFERED_LIMIT};
use crate::event::{ResponseShape, Source};
use crate::status::StatusSet;

/// Settings that shape every response.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeOptions<'a> {
    /// Compress when the client accepts it (AWS_LWA_ENABLE_COMPRESSION).
    pub compression: bool,
    /// Statuses that fail the invocation (AWS_LWA_ERROR_STATUS_CODES).
    pub error_status_codes: Option<&'a StatusSet>,
}

/// The Lambda response payload for the app's response.
pub fn encode(
    shape: &ResponseShape,
    response: http::Response<Bytes>,
    options: &EncodeOptions<'_>,
    warnings: &mut Vec<String>,
) -> Result<Bytes, InvocationError> {
    let (parts, mut body) = response.into_parts();
    let status = parts.status;
    if options.error_status_codes.is_some_and(|set| set.contains(status.as_u16())) {
        let text = String::from_utf8_lossy(&body[..body.len().min(1024)]).into_owned();
        return Err(InvocationError::ErrorStatus { status: status.as_u16(), body: text });
    }
    let mut headers = parts.headers;
    for name in crate::event::HOP_BY_HOP {
        headers.remove(name);
    }

    if shape.source == Source::PassThrough {
        if !status.is_success() {
            warnings
                .push(format!("the app answered {status} to a pass-through event; its body is the invocation result"));
        }
        return checked(pass_through_payload(body, warnings));
    }

    if options.compression {
        let coding = shape.accept_encoding.as_ref().and_then(|v| v.to_str().ok()).and_then(compress::negotiate);
        if let Some(coding) = coding.filter(|_| compress::eligible(&headers, body.len())) {
            match compress::apply(coding, &mut headers, &body) {
                Ok(compressed) => body = compressed,
                Err(err) => warnings.push(format!("{} compression failed ({err}); sent uncompressed", coding.token())),
            }
        }
    }
    let (body, base64) = body_field(&headers, &body);
    checked(write(shape, status, &headers, body, base64, warnings))
}

/// The answer for a request the adapter refuses (a 4xx in the source's format).
pub fn reject(shape: &ResponseShape, status: StatusCode, message: &str) -> Bytes {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    let body = serde_json::json!({ "message": message }).to_string();
    write(shape, status, &headers, body, false, &mut Vec::new())
}

fn checked(payload: Bytes) -> Result<Bytes, InvocationError> {
    if payload.len() > BUFFERED_LIMIT {
        return Err(InvocationError::ResponseTooLarge { size: payload.len() });
    }
    Ok(payload)
}

fn body_field(headers: &HeaderMap, body: &[u8]) -> (String, bool) {
    if is_text(headers) {
        if let Ok(text) = std::str::from_utf8(body) {
            return (text.to_owned(), false);
        }
    }
    (base64::engine::general_purpose::STANDARD.encode(body), true)
}

fn pass_through_payload(body: Bytes, warnings: &mut Vec<String>) -> Bytes {
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        return body;
    }
    let text = match std::str::from_utf8(&body) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            warnings
                .push("the app's answer to a pass-through event is not UTF-8; returned as a base64 string".to_owned());
            base64::engine::general_purpose::STANDARD.encode(&body)
        }
    };
    Bytes::from(Value::String(text).to_string())
}

fn text(value: &http::HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

/// Header names with the values of each, in the order the app sent them.
fn grouped(headers: &HeaderMap) -> Vec<(&str, Vec<String>)> {
    headers.keys().map(|name| (name.as_str(), headers.get_all(name).iter().map(text).collect())).collect()
}

fn write(
    shape: &ResponseShape,
    status: StatusCode,
    headers: &HeaderMap,
    body: String,
    base64: bool,
    warnings: &mut Vec<String>,
) -> Bytes {
    let mut out = Map::new();
    out.insert("statusCode".into(), status.as_u16().into());
    match shape.source {
        Source::ApiGatewayV1 => {
            let mut single = Map::new();
            let mut multi = Map::new();
            for (name, values) in grouped(headers) {
                if let [one] = values.as_slice() {
                    single.insert(name.into(), one.clone().into());
                }
                multi.insert(name.into(), values.into());
            }
            out.insert("headers".into(), single.into());
            out.insert("multiValueHeaders".into(), multi.into());
        }
        Source::ApiGatewayV2 | Source::FunctionUrl => {
            let mut single = Map::new();
            let mut cookies = Vec::new();
            for (name, values) in grouped(headers) {
                if name == "set-cookie" {
                    cookies.extend(values);
                } else {
                    single.insert(name.into(), values.join(", ").into());
                }
            }
            out.insert("headers".into(), single.into());
            out.insert("cookies".into(), cookies.into());
        }
        Source::Alb => {
            let reason = status.canonical_reason().map(|r| format!(" {r}")).unwrap_or_default();
            out.insert("statusDescription".into(), format!("{}{reason}", status.as_u16()).into());
            let mut map = Map::new();
            for (name, values) in grouped(headers) {
                if shape.multi_value {
                    map.insert(name.into(), values.into());
                } else if name == "set-cookie" {
                    if values.len() > 1 {
                        warnings.push(format!(
                            "{} set-cookie headers but the ALB target group has multi-value headers off: only the last is sent",
                            values.len()
                        ));
                    }
                    map.insert(name.into(), values.last().cloned().unwrap_or_default().into());
                } else {
                    map.insert(name.into(), values.join(", ").into());
                }
            }
            let key = if shape.multi_value { "multiValueHeaders" } else { "headers" };
            out.insert(key.into(), map.into());
        }
        Source::PassThrough => {}
    }
    out.insert("body".into(), body.into());
    out.insert("isBase64Encoded".into(), base64.into());
    Bytes::from(Value::Object(out).to_string())
}
