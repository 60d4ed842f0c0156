//! The Lambda response for each source.
//!
//! - API Gateway REST (v1): `statusCode`, `headers` (names with one value),
//!   `multiValueHeaders` (every name, every value), `body`, `isBase64Encoded`.
//! - HTTP API (v2) and Function URL: `statusCode`, `headers` (repeated values joined
//!   with `, `), `cookies` (every `set-cookie`), `body`, `isBase64Encoded`.
//! - ALB: `statusCode`, `statusDescription` (`200 OK`), and `multiValueHeaders` if the
//!   request used them, else `headers` (repeated values joined with `, `; for
//!   `set-cookie`, which cannot be joined, the last one).
//! - WebSocket API and HTTP API payload 1.0: as REST.
//! - VPC Lattice (v1 and v2): `statusCode`, `statusDescription`, `headers` (one value per
//!   name, as ALB's single-value mode), `body`, `isBase64Encoded`.
//! - Pass-through: the app's body itself when it is JSON, else `null`.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use std::borrow::Cow;

use serde::Serialize;

use super::payload::{Payload, PIECE};
use super::{compress, is_text, json};
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
) -> Result<Payload, InvocationError> {
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
        return checked(pass_through_payload(body, warnings).into());
    }

    if options.compression && compress::eligible(status, &headers, body.len()) {
        // Whether this answer is compressed depends on the request's accept-encoding.
        match coding(shape, options.compression) {
            Some(coding) => match compress::apply(coding, &mut headers, &body) {
                Ok(compressed) => body = compressed,
                Err(err) => {
                    compress::vary_on_accept_encoding(&mut headers);
                    warnings.push(format!("{} compression failed ({err}); sent uncompressed", coding.token()));
                }
            },
            None => compress::vary_on_accept_encoding(&mut headers),
        }
    }
    if body.len() <= PIECE {
        let (body, base64) = body_field(&headers, &body);
        return checked(write(shape, status, &headers, &body, base64, warnings).into());
    }
    // A big body is encoded as the payload is sent (see [`Payload`]): as text when it
    // is text and UTF-8, else in base64.
    let mut head = head(shape, status, &headers, warnings, 512);
    head.push(b'"');
    let head = Bytes::from(head);
    let text =
        if is_text(&headers) { Payload::text(head.clone(), body.clone(), Bytes::from_static(TEXT_TAIL)) } else { None };
    checked(text.unwrap_or_else(|| Payload::base64(head, body, Bytes::from_static(BASE64_TAIL))))
}

/// What follows the body's string in a payload, by whether it is base64.
const TEXT_TAIL: &[u8] = b"\",\"isBase64Encoded\":false}";
const BASE64_TAIL: &[u8] = b"\",\"isBase64Encoded\":true}";

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

fn checked(payload: Payload) -> Result<Payload, InvocationError> {
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

/// The invocation result for a pass-through event: the app's body when it is JSON, else
/// `null` (as LWA 1.0 answers), with a warning. `null` is what the stream and queue
/// pollers document as "every record succeeded" for partial batch responses, where a
/// JSON string (or anything else they cannot read) fails the whole batch and retries it.
fn pass_through_payload(body: Bytes, warnings: &mut Vec<String>) -> Bytes {
    // JSON as it is; serde's skipping parser does not check that strings are UTF-8, so
    // that is checked first (the payload must be valid JSON).
    if std::str::from_utf8(&body).is_ok() && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        return body;
    }
    let what = if body.is_empty() {
        "is empty".to_owned()
    } else {
        let start = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        format!("is not JSON ({} bytes, starting {start:?})", body.len())
    };
    warnings.push(format!("the app's answer to a pass-through event {what}; the invocation result is null"));
    Bytes::from_static(b"null")
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
    // Then `body` and `isBase64Encoded`: written by [`write`], or sent by [`Payload`].
}

fn joined<'a>(values: &[Cow<'a, str>]) -> Cow<'a, str> {
    // Fault injection for the suite's self-test: the first value only.
    #[cfg(feature = "fault-first-header-value")]
    let values = &values[..values.len().min(1)];
    match values {
        [one] => one.clone(),
        many => Cow::Owned(many.join(", ")),
    }
}

/// `200 OK`: the status and its reason phrase, as ALB and VPC Lattice show it.
fn status_description(status: StatusCode) -> String {
    let reason = status.canonical_reason().map(|r| format!(" {r}")).unwrap_or_default();
    format!("{}{reason}", status.as_u16())
}

/// One value per header name: repeated values joined with `, `, except `set-cookie`,
/// which cannot be joined: of several, the last is kept and the loss reported (`why`
/// says which front door forces it).
fn one_value_each<'a>(
    groups: Vec<(&'a str, Vec<Cow<'a, str>>)>,
    why: &str,
    warnings: &mut Vec<String>,
) -> Vec<(&'a str, Cow<'a, str>)> {
    let mut single = Vec::with_capacity(groups.len());
    for (name, values) in groups {
        if name == "set-cookie" {
            if values.len() > 1 {
                warnings.push(format!("{} set-cookie headers but {why}: only the last is sent", values.len()));
            }
            single.push((name, values.last().cloned().unwrap_or_default()));
        } else {
            single.push((name, joined(&values)));
        }
    }
    single
}

fn write(
    shape: &ResponseShape,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
    base64: bool,
    warnings: &mut Vec<String>,
) -> Bytes {
    let mut out = head(shape, status, headers, warnings, body.len() + 512);
    // The body, by far the longest string, goes through the faster [`json::push_str`].
    json::push_str(&mut out, body);
    out.extend_from_slice(&(if base64 { BASE64_TAIL } else { TEXT_TAIL })[1..]);
    Bytes::from(out)
}

/// A serialised [`LambdaResponse`] up to its `"body":`, in a buffer of `capacity`
/// bytes; the body and `"isBase64Encoded"` are the caller's to add. `statusCode` is
/// always there, so a comma joins them.
fn head(
    shape: &ResponseShape,
    status: StatusCode,
    headers: &HeaderMap,
    warnings: &mut Vec<String>,
    capacity: usize,
) -> Vec<u8> {
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
    };
    let groups = grouped(headers);
    match shape.source {
        Source::ApiGatewayV1 | Source::HttpApiV1 | Source::WebSocket => {
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
            out.status_description = Some(status_description(status));
            if shape.multi_value {
                out.multi_value_headers = Some(Object(groups));
            } else {
                out.headers =
                    Some(Object(one_value_each(groups, "the ALB target group has multi-value headers off", warnings)));
            }
        }
        Source::VpcLatticeV1 | Source::VpcLatticeV2 => {
            out.status_description = Some(status_description(status));
            out.headers = Some(Object(one_value_each(groups, "VPC Lattice takes one value per header", warnings)));
        }
        Source::PassThrough => {}
    }
    let mut head = Vec::with_capacity(capacity);
    // Serialising strings, numbers and booleans into a Vec cannot fail.
    let written = serde_json::to_writer(&mut head, &out);
    debug_assert!(written.is_ok());
    debug_assert_eq!(head.last(), Some(&b'}'));
    head.pop();
    head.extend_from_slice(b",\"body\":");
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(source: Source, accept_encoding: Option<&'static str>) -> ResponseShape {
        ResponseShape {
            source,
            multi_value: false,
            accept_encoding: accept_encoding.map(http::HeaderValue::from_static),
        }
    }

    fn answer(headers: &[(&'static str, &'static str)], body: &'static [u8]) -> http::Response<Bytes> {
        let mut response = http::Response::new(Bytes::from_static(body));
        for (name, value) in headers {
            response.headers_mut().append(*name, http::HeaderValue::from_static(value));
        }
        response
    }

    fn json(payload: Payload) -> serde_json::Value {
        let payload = payload.into_bytes();
        serde_json::from_slice(&payload).unwrap()
    }

    /// Regression (issue 18): a non-JSON answer to a pass-through event became a JSON
    /// string, which a partial-batch poller cannot read; LWA 1.0 and now this adapter
    /// answer `null` (every record succeeded), with a warning.
    #[test]
    fn pass_through_answer_that_is_not_json_is_null_with_a_warning() {
        for body in [&b"success."[..], b"", b"<html>500</html>", b"\xff\xfe"] {
            let mut warnings = Vec::new();
            let response = http::Response::new(Bytes::copy_from_slice(body));
            let payload = encode(&shape(Source::PassThrough, None), response, &EncodeOptions::default(), &mut warnings);
            assert_eq!(payload.unwrap().into_bytes().as_ref(), b"null", "{body:?}");
            assert!(warnings.iter().any(|w| w.contains("invocation result is null")), "{warnings:?}");
        }
        let mut warnings = Vec::new();
        let payload = encode(
            &shape(Source::PassThrough, None),
            answer(&[], br#"{"batchItemFailures":[]}"#),
            &EncodeOptions::default(),
            &mut warnings,
        );
        assert_eq!(payload.unwrap().into_bytes().as_ref(), br#"{"batchItemFailures":[]}"#);
        assert!(warnings.is_empty());
    }

    /// Regression (issue 18): `vary: accept-encoding` was missing on answers left
    /// uncompressed although the choice depended on the request.
    #[test]
    fn compressible_answers_vary_on_accept_encoding_compressed_or_not() {
        let options = EncodeOptions { compression: true, ..EncodeOptions::default() };
        let text = [("content-type", "text/plain"), ("accept-ranges", "bytes")];
        let body: &'static [u8] = b"hello hello hello hello hello hello hello hello";
        for (accept, compressed) in [(Some("gzip"), true), (Some("identity"), false), (None, false)] {
            let payload = encode(&shape(Source::ApiGatewayV2, accept), answer(&text, body), &options, &mut Vec::new());
            let v = json(payload.unwrap());
            assert_eq!(v["headers"]["vary"], "accept-encoding", "{accept:?}");
            assert_eq!(v["headers"].get("content-encoding").is_some(), compressed, "{accept:?}");
            assert_eq!(v["headers"].get("accept-ranges").is_none(), compressed, "{accept:?}");
        }
        // Not compressible whatever the request: no vary.
        let png = answer(&[("content-type", "image/png")], body);
        let v = json(encode(&shape(Source::ApiGatewayV2, Some("gzip")), png, &options, &mut Vec::new()).unwrap());
        assert!(v["headers"].get("vary").is_none());
        // A partial answer is never compressed.
        let mut partial = answer(&[("content-type", "text/plain"), ("content-range", "bytes 0-46/100")], body);
        *partial.status_mut() = StatusCode::PARTIAL_CONTENT;
        let v = json(encode(&shape(Source::ApiGatewayV2, Some("gzip")), partial, &options, &mut Vec::new()).unwrap());
        assert!(v["headers"].get("content-encoding").is_none());
        assert_eq!(v["body"], std::str::from_utf8(body).unwrap());
    }

    /// The coding a body is read for: none when compression is off or the event passes
    /// through, whatever the client accepts.
    #[test]
    fn coding_is_none_unless_compression_is_on_for_an_http_source() {
        assert_eq!(coding(&shape(Source::ApiGatewayV2, Some("gzip")), true), Some(compress::Coding::Gzip));
        assert_eq!(coding(&shape(Source::ApiGatewayV2, Some("gzip")), false), None);
        assert_eq!(coding(&shape(Source::PassThrough, Some("gzip")), true), None);
        assert_eq!(coding(&shape(Source::ApiGatewayV2, None), true), None);
    }

    /// One set-cookie fits one value per name: no warning then.
    #[test]
    fn a_single_set_cookie_is_kept_without_a_warning() {
        for source in [Source::VpcLatticeV2, Source::Alb] {
            let mut warnings = Vec::new();
            let answer = answer(&[("set-cookie", "a=1")], b"ok");
            let v = json(encode(&shape(source, None), answer, &EncodeOptions::default(), &mut warnings).unwrap());
            assert_eq!(v["headers"]["set-cookie"], "a=1");
            assert!(warnings.is_empty(), "{warnings:?}");
        }
    }

    /// VPC Lattice answers: one value per header, the status described as ALB does.
    #[test]
    fn lattice_answers_have_one_value_per_header() {
        let response = answer(
            &[
                ("content-type", "text/plain"),
                ("x-multi", "one"),
                ("x-multi", "two"),
                ("set-cookie", "a=1"),
                ("set-cookie", "b=2"),
            ],
            b"ok",
        );
        for source in [Source::VpcLatticeV1, Source::VpcLatticeV2] {
            let mut warnings = Vec::new();
            let payload = encode(&shape(source, None), response.clone(), &EncodeOptions::default(), &mut warnings);
            let v = json(payload.unwrap());
            assert_eq!(v["statusCode"], 200);
            assert_eq!(v["statusDescription"], "200 OK");
            assert_eq!(v["headers"]["x-multi"], "one, two");
            assert_eq!(v["headers"]["set-cookie"], "b=2");
            assert!(v.get("multiValueHeaders").is_none() && v.get("cookies").is_none());
            assert!(warnings.iter().any(|w| w.contains("VPC Lattice")), "{warnings:?}");
        }
    }

    /// A body longer than one piece is encoded as the payload is sent; the payload reads
    /// as the same JSON a whole one would, for text (escapes and non-ASCII included),
    /// text that is not UTF-8, and binary, at the sizes around the piece.
    #[test]
    fn big_bodies_are_written_as_small_ones_are() {
        let line = "{\"quote\": \"é€\"}\n\t\u{1}";
        for len in [PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 5] {
            let text: String = line.chars().cycle().take(len).collect();
            let mut not_utf8 = text.clone().into_bytes();
            not_utf8[len / 2] = 0xff;
            let cases: [(&'static str, Vec<u8>, bool); 3] = [
                ("text/plain", text.clone().into_bytes(), false),
                ("text/plain", not_utf8, true),
                ("image/png", text.clone().into_bytes(), true),
            ];
            for (content_type, body, base64) in cases {
                let mut response = http::Response::new(Bytes::from(body.clone()));
                response.headers_mut().insert("content-type", http::HeaderValue::from_static(content_type));
                let payload =
                    encode(&shape(Source::ApiGatewayV2, None), response, &EncodeOptions::default(), &mut Vec::new())
                        .unwrap();
                let stated = payload.len();
                let whole = payload.into_bytes();
                assert_eq!(whole.len(), stated, "{len} bytes of {content_type}: the stated length is the length");
                let v: serde_json::Value = serde_json::from_slice(&whole).unwrap();
                assert_eq!(v["isBase64Encoded"], base64, "{len} bytes of {content_type}");
                assert_eq!(v["headers"]["content-type"], content_type);
                let field = v["body"].as_str().unwrap();
                if base64 {
                    assert_eq!(base64::engine::general_purpose::STANDARD.decode(field).unwrap(), body);
                } else {
                    assert_eq!(field.as_bytes(), &body[..]);
                }
            }
        }
    }
}
