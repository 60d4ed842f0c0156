//! The text-or-base64 rule for response bodies.
//!
//! A body is sent as text when the response has no `content-encoding` and its
//! `content-type` is missing, `text/*`, `application/json`, `application/javascript`,
//! `application/xml`, `application/yaml`, or any type ending in `+json`, `+xml` or
//! `+yaml` (parameters such as `charset` are ignored). Every other body is base64, and
//! so is a text body that is not valid UTF-8.

use http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use http::HeaderMap;

/// Whether the body described by these headers is sent as text (see the module docs).
///
/// ```
/// use lambda_web_adapter::response::is_text;
/// let mut h = http::HeaderMap::new();
/// h.insert("content-type", "application/vnd.api+json; charset=utf-8".parse().unwrap());
/// assert!(is_text(&h));
/// h.insert("content-type", "image/png".parse().unwrap());
/// assert!(!is_text(&h));
/// ```
pub fn is_text(headers: &HeaderMap) -> bool {
    if headers.get(CONTENT_ENCODING).is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity")) {
        return false;
    }
    let Some(content_type) = headers.get(CONTENT_TYPE) else { return true };
    let Ok(content_type) = content_type.to_str() else { return false };
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else { return false };
    kind == "text"
        || (kind == "application" && matches!(subtype, "json" | "javascript" | "xml" | "yaml"))
        || subtype.ends_with("+json")
        || subtype.ends_with("+xml")
        || subtype.ends_with("+yaml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), http::HeaderValue::from_static(v))).collect()
    }

    #[rstest]
    #[case(&[], true)]
    #[case(&[("content-type", "text/html; charset=utf-8")], true)]
    #[case(&[("content-type", "TEXT/PLAIN")], true)]
    #[case(&[("content-type", "text/event-stream")], true)]
    #[case(&[("content-type", "application/json")], true)]
    #[case(&[("content-type", "application/json;charset=UTF-8")], true)]
    #[case(&[("content-type", "application/javascript")], true)]
    #[case(&[("content-type", "application/xml")], true)]
    #[case(&[("content-type", "application/yaml")], true)]
    #[case(&[("content-type", "application/x-www-form-urlencoded")], false)]
    #[case(&[("content-type", "application/problem+json")], true)]
    #[case(&[("content-type", "application/atom+xml")], true)]
    #[case(&[("content-type", "image/svg+xml")], true)]
    #[case(&[("content-type", "application/ld+yaml")], true)]
    #[case(&[("content-type", "image/png")], false)]
    #[case(&[("content-type", "application/octet-stream")], false)]
    #[case(&[("content-type", "application/pdf")], false)]
    #[case(&[("content-type", "application/jsonx")], false)]
    #[case(&[("content-type", "multipart/form-data; boundary=x")], false)]
    #[case(&[("content-type", "garbage")], false)]
    #[case(&[("content-type", "text/plain"), ("content-encoding", "gzip")], false)]
    #[case(&[("content-type", "application/json"), ("content-encoding", "br")], false)]
    #[case(&[("content-type", "text/plain"), ("content-encoding", "identity")], true)]
    fn text_or_base64(#[case] pairs: &[(&'static str, &'static str)], #[case] text: bool) {
        assert_eq!(is_text(&headers(pairs)), text, "{pairs:?}");
    }
}
