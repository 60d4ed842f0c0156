//! `response_encode`: an app response (any status, headers, body, content type) written
//! for each source, compression on or off, any `accept-encoding`, any error-status set.
//!
//! Checked: an error status fails the invocation and nothing else does; the payload is
//! JSON; the body decodes (base64 when flagged, then gzip or br when the adapter
//! compressed) to exactly the app's body, and is text only when the text-or-base64 rule
//! allows; compression happens exactly when allowed; no hop-by-hop header goes out; every
//! other header goes out once, in the source's form (`multiValueHeaders` with every
//! value, joined values, `cookies` for every `set-cookie`, ALB's last `set-cookie`); a
//! refusal's payload parses and carries its message.

use std::borrow::Cow;
use std::io::Read;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use lambda_web_adapter::event::{ResponseShape, Source};
use lambda_web_adapter::response::compress::{self, Coding};
use lambda_web_adapter::response::{encode, is_text, reject, EncodeOptions};
use lambda_web_adapter::{InvocationError, StatusSet};
use serde_json::Value;

use crate::{is_hop_by_hop, INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES};

/// Content types around the text-or-base64 rule and the image exemption.
pub const CONTENT_TYPES: &[&str] = &[
    "text/html; charset=utf-8",
    "TEXT/PLAIN",
    "text/event-stream",
    "application/json",
    "application/json;charset=UTF-8",
    "application/problem+json",
    "application/atom+xml",
    "application/ld+yaml",
    "application/javascript",
    "application/jsonx",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "image/png",
    "image/svg+xml",
    " Image/PNG",
    "multipart/form-data; boundary=x",
    "garbage",
    "",
];

/// `accept-encoding` values around negotiation.
pub const ACCEPT_ENCODINGS: &[&str] = &[
    "gzip",
    "br",
    "gzip, deflate, br",
    "br;q=0.1, gzip;q=0.9",
    "*",
    "*;q=0.5, br;q=0",
    "gzip;q=0",
    "br;q=0, identity",
    "x-gzip",
    "GZIP;Q=1",
    "identity",
    "deflate",
    "",
    "gzip;q=NaN, br;q=inf",
    "br;q=-1, gzip;q=1e-50",
];

/// A string from a list, or bytes of the fuzzer's own.
#[derive(Debug, Arbitrary)]
pub enum Text {
    /// `list[i % len]`.
    Known(u8),
    /// Raw bytes.
    Raw(Vec<u8>),
}

impl Text {
    /// The bytes, taking known ones from `list`.
    pub fn bytes<'a>(&'a self, list: &[&'static str]) -> Cow<'a, [u8]> {
        match self {
            Text::Known(i) => Cow::Borrowed(list[usize::from(*i) % list.len()].as_bytes()),
            Text::Raw(bytes) => Cow::Borrowed(bytes),
        }
    }
}

/// The app's body.
#[derive(Debug, Arbitrary)]
pub enum Body {
    /// Any bytes.
    Bytes(Vec<u8>),
    /// UTF-8 text.
    Text(String),
    /// A unit repeated: compressible bodies.
    Repeat(Vec<u8>, u16),
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Text(text) => text.as_bytes().to_vec(),
            // Up to 16 KB: enough to compress, cheap enough to run millions of times.
            Body::Repeat(unit, times) => {
                let unit = &unit[..unit.len().min(16)];
                unit.repeat(usize::from(*times % 1024))
            }
        }
    }
}

/// One encoding case.
#[derive(Debug, Arbitrary)]
pub struct Case {
    status: u16,
    source: u8,
    multi_value: bool,
    compression: bool,
    accept_encoding: Option<Text>,
    content_type: Option<Text>,
    error_status_codes: Option<Vec<(u16, u16)>>,
    headers: Vec<(Text, Text)>,
    message: String,
    body: Body,
}

/// The source for a number.
pub fn source(n: u8) -> Source {
    const ALL: [Source; 9] = [
        Source::ApiGatewayV1,
        Source::HttpApiV1,
        Source::ApiGatewayV2,
        Source::FunctionUrl,
        Source::Alb,
        Source::WebSocket,
        Source::VpcLatticeV1,
        Source::VpcLatticeV2,
        Source::PassThrough,
    ];
    ALL[usize::from(n) % ALL.len()]
}

/// A header map from fuzzer pairs: known or raw names and values, invalid ones skipped,
/// at most `limit` fields.
pub fn header_map(pairs: &[(Text, Text)], names: &[&'static str], values: &[&'static str], limit: usize) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs.iter().take(limit) {
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(&name.bytes(names)), HeaderValue::from_bytes(&value.bytes(values)))
        else {
            continue;
        };
        map.append(name, value);
    }
    map
}

/// `response_encode`.
pub fn run(data: &[u8]) {
    let Ok(case) = Case::arbitrary_take_rest(Unstructured::new(data)) else { return };
    crate::slow::timed("response_encode", data, || check(&case));
}

fn lossy(value: &HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

fn decompress(coding: Coding, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        Coding::Gzip => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out),
        Coding::Brotli => brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out),
    }
    .expect("the compressed body decompresses");
    out
}

/// Checks one case.
pub fn check(case: &Case) {
    let status = StatusCode::from_u16(100 + case.status % 900).expect("100-999 is a status");
    let mut headers = header_map(&case.headers, INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES, 24);
    if let Some(content_type) = &case.content_type {
        if let Ok(value) = HeaderValue::from_bytes(&content_type.bytes(CONTENT_TYPES)) {
            headers.insert(http::header::CONTENT_TYPE, value);
        }
    }
    let body = case.body.bytes();
    let accept_encoding =
        case.accept_encoding.as_ref().and_then(|a| HeaderValue::from_bytes(&a.bytes(ACCEPT_ENCODINGS)).ok());
    let shape = ResponseShape { source: source(case.source), multi_value: case.multi_value, accept_encoding };
    let errors = case.error_status_codes.as_ref().map(|ranges| {
        StatusSet::from_ranges(
            ranges
                .iter()
                .take(8)
                .map(|&(a, b)| {
                    let (a, b) = (100 + a % 500, 100 + b % 500);
                    a.min(b)..=a.max(b)
                })
                .collect(),
        )
    });
    let options = EncodeOptions { compression: case.compression, error_status_codes: errors.as_ref() };

    let mut response = http::Response::new(Bytes::from(body.clone()));
    *response.status_mut() = status;
    *response.headers_mut() = headers.clone();
    let mut warnings = Vec::new();
    let result = encode(&shape, response, &options, &mut warnings);

    if errors.as_ref().is_some_and(|set| set.contains(status.as_u16())) {
        match result {
            Err(InvocationError::ErrorStatus { status: s, .. }) => assert_eq!(s, status.as_u16()),
            other => panic!("status {status} is in the error set, yet {other:?}"),
        }
        return;
    }
    let payload = match result {
        // The payload as Lambda receives it: a big body is encoded as it is sent.
        Ok(payload) => payload.into_bytes(),
        Err(err) => panic!("encoding failed: {err}"),
    };

    if shape.source == Source::PassThrough {
        check_pass_through(&payload, &body);
    } else {
        check_http(&shape, status, &headers, &body, case.compression, &payload);
    }

    // A refusal's payload in the same shape.
    let refusal = reject(&shape, status, &case.message);
    let out: Value = serde_json::from_slice(&refusal).expect("a refusal's payload is JSON");
    if shape.source != Source::PassThrough {
        assert_eq!(out["statusCode"], status.as_u16());
    }
    let body: Value = serde_json::from_str(out["body"].as_str().expect("a body string")).expect("its body is JSON");
    assert_eq!(body["message"], case.message.as_str());
}

/// The payload is JSON text, so UTF-8 (RFC 8259, section 8.1): the body itself when it is
/// that (regression: a body serde's skipping parser took for JSON went out with bytes that
/// are not UTF-8), else `null` (issue 18: as LWA 1.0, and what partial-batch pollers read
/// as success).
fn check_pass_through(payload: &[u8], body: &[u8]) {
    let json = |bytes: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
    assert!(std::str::from_utf8(payload).is_ok(), "a pass-through payload is not UTF-8");
    assert!(json(payload), "a pass-through payload is not JSON");
    if json(body) && std::str::from_utf8(body).is_ok() {
        assert_eq!(payload, body, "a JSON body is not passed through as it is");
    } else {
        assert_eq!(payload, b"null", "a body that is not JSON becomes null");
    }
}

fn check_http(
    shape: &ResponseShape,
    status: StatusCode,
    app_headers: &HeaderMap,
    body: &[u8],
    compression: bool,
    payload: &[u8],
) {
    let out: Value = serde_json::from_slice(payload).expect("the payload is JSON");
    let out = out.as_object().expect("the payload is an object");
    assert_eq!(out["statusCode"], status.as_u16());

    // What should go out: the app's headers without hop-by-hop ones, then compression.
    let mut expected = app_headers.clone();
    for name in crate::connection_options(app_headers) {
        expected.remove(name.as_str());
    }
    for name in crate::HOP_BY_HOP {
        expected.remove(name);
    }
    let coding = if compression {
        shape.accept_encoding.as_ref().and_then(|v| v.to_str().ok()).and_then(compress::negotiate)
    } else {
        None
    };
    let eligible = compression && compress::eligible(status, &expected, body.len());
    let coding = coding.filter(|_| eligible);
    if eligible && coding.is_none() {
        // Compressible, left uncompressed because of the request: still says it varies.
        compress::vary_on_accept_encoding(&mut expected);
    }
    let wire = match coding {
        Some(coding) => compress::apply(coding, &mut expected, body).expect("compression").to_vec(),
        None => body.to_vec(),
    };

    // The body.
    let text = out["body"].as_str().expect("a body string");
    let base64 = out["isBase64Encoded"].as_bool().expect("isBase64Encoded is a boolean");
    let sent = if base64 {
        base64::engine::general_purpose::STANDARD.decode(text).expect("a base64 body decodes")
    } else {
        text.as_bytes().to_vec()
    };
    let as_text = is_text(&expected) && std::str::from_utf8(&wire).is_ok();
    assert_eq!(base64, !as_text, "isBase64Encoded against the text-or-base64 rule ({expected:?})");
    match coding {
        Some(coding) => {
            assert_eq!(sent, wire, "the compressed body");
            assert_eq!(decompress(coding, &sent), body, "the body after {}", coding.token());
        }
        None => assert_eq!(sent, body, "the body"),
    }

    // The headers, in the source's form.
    let groups: Vec<(&str, Vec<String>)> =
        expected.keys().map(|name| (name.as_str(), expected.get_all(name).iter().map(lossy).collect())).collect();
    let object = |key: &str| out.get(key).map(|v| v.as_object().unwrap_or_else(|| panic!("{key} is an object")));
    let check_multi = |multi: &serde_json::Map<String, Value>| {
        assert_eq!(multi.len(), groups.len(), "multiValueHeaders names: {multi:?} for {expected:?}");
        for (name, values) in &groups {
            let sent: Vec<&str> = multi[*name].as_array().expect("a list").iter().filter_map(Value::as_str).collect();
            assert_eq!(&sent, values, "multiValueHeaders.{name}");
        }
    };
    for key in ["headers", "multiValueHeaders"] {
        if let Some(map) = object(key) {
            for name in map.keys() {
                assert!(!is_hop_by_hop(name), "hop-by-hop {name} sent in {key}");
            }
        }
    }
    let check_description = || {
        let description = out["statusDescription"].as_str().expect("statusDescription");
        match status.canonical_reason() {
            Some(reason) => assert_eq!(description, format!("{} {reason}", status.as_u16())),
            None => assert_eq!(description, status.as_u16().to_string()),
        }
    };
    let check_single = |single: &serde_json::Map<String, Value>| {
        assert_eq!(single.len(), groups.len(), "headers names");
        for (name, values) in &groups {
            let want =
                if *name == "set-cookie" { values.last().cloned().unwrap_or_default() } else { values.join(", ") };
            assert_eq!(single[*name], want.as_str(), "headers.{name}");
        }
    };
    match shape.source {
        Source::ApiGatewayV1 | Source::HttpApiV1 | Source::WebSocket => {
            check_multi(object("multiValueHeaders").expect("multiValueHeaders"));
            let single = object("headers").expect("headers");
            let ones: Vec<_> = groups.iter().filter(|(_, v)| v.len() == 1).collect();
            assert_eq!(single.len(), ones.len(), "headers: names with one value only");
            for (name, values) in ones {
                assert_eq!(single[*name], values[0].as_str(), "headers.{name}");
            }
        }
        Source::ApiGatewayV2 | Source::FunctionUrl => {
            let single = object("headers").expect("headers");
            let cookies: Vec<&str> =
                out["cookies"].as_array().expect("cookies").iter().filter_map(Value::as_str).collect();
            let expected_cookies: Vec<&str> = groups
                .iter()
                .filter(|(n, _)| *n == "set-cookie")
                .flat_map(|(_, v)| v.iter().map(String::as_str))
                .collect();
            assert_eq!(cookies, expected_cookies, "cookies");
            let others: Vec<_> = groups.iter().filter(|(n, _)| *n != "set-cookie").collect();
            assert_eq!(single.len(), others.len(), "headers names");
            for (name, values) in others {
                assert_eq!(single[*name], values.join(", ").as_str(), "headers.{name}");
            }
        }
        Source::Alb => {
            check_description();
            if shape.multi_value {
                check_multi(object("multiValueHeaders").expect("multiValueHeaders"));
                assert!(!out.contains_key("headers"));
            } else {
                assert!(!out.contains_key("multiValueHeaders"));
                check_single(object("headers").expect("headers"));
            }
        }
        Source::VpcLatticeV1 | Source::VpcLatticeV2 => {
            check_description();
            assert!(!out.contains_key("multiValueHeaders") && !out.contains_key("cookies"));
            check_single(object("headers").expect("headers"));
        }
        Source::PassThrough => unreachable!(),
    }
}
