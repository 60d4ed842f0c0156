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
use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

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
        let text = crate::error::error_body_text(&body, None);
        return Err(InvocationError::ErrorStatus { status: status.as_u16(), body: text });
    }
    let mut headers = parts.headers;
    crate::event::remove_hop_by_hop(&mut headers);

    if shape.source == Source::PassThrough {
        if !status.is_success() {
            warnings
                .push(format!("the app answered {status} to a pass-through event; its body is the invocation result"));
        }
        return checked(pass_through_payload(body, warnings));
    }

    if let Some(coding) = coding(shape, options.compression) {
        if compress::eligible(&headers, body.len()) {
            match compress::apply(coding, &mut headers, &body) {
                Ok(compressed) => body = compressed,
                Err(err) => warnings.push(format!("{} compression failed ({err}); sent uncompressed", coding.token())),
            }
        }
    }
    let (body, base64) = body_field(&headers, &body);
    checked(write(shape, status, &headers, &body, base64, warnings))
}

/// The coding a response to this request is compressed with when it is eligible
/// ([`compress::eligible`]): `None` when compression is off, the client accepts none,
/// or the source is pass-through (whose answer is the app's body itself).
pub fn coding(shape: &ResponseShape, compression: bool) -> Option<compress::Coding> {
    if !compression || shape.source == Source::PassThrough {
        return None;
    }
    shape.accept_encoding.as_ref().and_then(|v| v.to_str().ok()).and_then(compress::negotiate)
}

/// The answer for a request the adapter refuses (a 4xx in the source's format).
pub fn reject(shape: &ResponseShape, status: StatusCode, message: &str) -> Bytes {
    let (headers, body) = rejection(message);
    write(shape, status, &headers, &body, false, &mut Vec::new())
}

/// The headers and body of a refusal: `{"message": ...}` as JSON, whether it is written
/// in the source's format ([`reject`]) or streamed.
pub fn rejection(message: &str) -> (HeaderMap, String) {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    (headers, serde_json::json!({ "message": message }).to_string())
}

fn checked(payload: Bytes) -> Result<Bytes, InvocationError> {
    if payload.len() > BUFFERED_LIMIT {
        return Err(InvocationError::ResponseTooLarge { size: payload.len() });
    }
    Ok(payload)
}

/// The body as it goes into the JSON: borrowed text, or base64.
fn body_field<'a>(headers: &HeaderMap, body: &'a [u8]) -> (Cow<'a, str>, bool) {
    if is_text(headers) {
        if let Ok(text) = std::str::from_utf8(body) {
            return (Cow::Borrowed(text), false);
        }
    }
    (Cow::Owned(base64::engine::general_purpose::STANDARD.encode(body)), true)
}

fn pass_through_payload(body: Bytes, warnings: &mut Vec<String>) -> Bytes {
    // JSON as it is; serde's skipping parser does not check that strings are UTF-8, so
    // that is checked first (the payload must be valid JSON).
    if std::str::from_utf8(&body).is_ok() && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
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

fn text(value: &http::HeaderValue) -> Cow<'_, str> {
    String::from_utf8_lossy(value.as_bytes())
}

/// Header names with the values of each, in the order the app sent them.
fn grouped(headers: &HeaderMap) -> Vec<(&str, Vec<Cow<'_, str>>)> {
    headers.keys().map(|name| (name.as_str(), headers.get_all(name).iter().map(text).collect())).collect()
}

/// `{"name": value, ...}` from pairs, in order (a JSON object without building a map).
struct Object<'a, V: Serialize>(Vec<(&'a str, V)>);

impl<V: Serialize> Serialize for Object<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A Lambda response of an HTTP source; absent fields are left out, the order is fixed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LambdaResponse<'a> {
    status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<Object<'a, Cow<'a, str>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_value_headers: Option<Object<'a, Vec<Cow<'a, str>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cookies: Option<Vec<Cow<'a, str>>>,
    body: &'a str,
    is_base64_encoded: bool,
}

fn joined<'a>(values: &[Cow<'a, str>]) -> Cow<'a, str> {
    match values {
        [one] => one.clone(),
        many => Cow::Owned(many.join(", ")),
    }
}

fn write(
    shape: &ResponseShape,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
    base64: bool,
    warnings: &mut Vec<String>,
) -> Bytes {
    // Fault injection for the suite's self-test: a redirect's status changed, as a buggy
    // adapter might. Here, where every buffered response of an HTTP source is written.
    #[cfg(feature = "fault-redirect-301")]
    let status = if status == StatusCode::FOUND { StatusCode::MOVED_PERMANENTLY } else { status };
    let mut out = LambdaResponse {
        status_code: status.as_u16(),
        status_description: None,
        headers: None,
        multi_value_headers: None,
        cookies: None,
        body,
        is_base64_encoded: base64,
    };
    let groups = grouped(headers);
    match shape.source {
        Source::ApiGatewayV1 => {
            let single = groups.iter().filter(|(_, v)| v.len() == 1).map(|(n, v)| (*n, v[0].clone())).collect();
            out.headers = Some(Object(single));
            out.multi_value_headers = Some(Object(groups));
        }
        Source::ApiGatewayV2 | Source::FunctionUrl => {
            let mut single = Vec::with_capacity(groups.len());
            let mut cookies = Vec::new();
            for (name, values) in groups {
                if name == "set-cookie" {
                    cookies.extend(values);
                } else {
                    single.push((name, joined(&values)));
                }
            }
            out.headers = Some(Object(single));
            out.cookies = Some(cookies);
        }
        Source::Alb => {
            let reason = status.canonical_reason().map(|r| format!(" {r}")).unwrap_or_default();
            out.status_description = Some(format!("{}{reason}", status.as_u16()));
            if shape.multi_value {
                out.multi_value_headers = Some(Object(groups));
            } else {
                let mut single = Vec::with_capacity(groups.len());
                for (name, values) in groups {
                    if name == "set-cookie" {
                        if values.len() > 1 {
                            warnings.push(format!(
                                "{} set-cookie headers but the ALB target group has multi-value headers off: only the last is sent",
                                values.len()
                            ));
                        }
                        single.push((name, values.last().cloned().unwrap_or_default()));
                    } else {
                        single.push((name, joined(&values)));
                    }
                }
                out.headers = Some(Object(single));
            }
        }
        Source::PassThrough => {}
    }
    // Serialising strings, numbers and booleans into a Vec cannot fail.
    Bytes::from(serde_json::to_vec(&out).unwrap_or_default())
}
