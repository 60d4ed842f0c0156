//! Response compression for buffered responses: gzip or br, as `accept-encoding` allows.
//!
//! Skipped for `image/*`, bodies under [`MIN_SIZE`] bytes, responses that already have a
//! `content-encoding`, and `cache-control: no-transform`. When both are acceptable at the
//! same quality, br wins (smaller for text).

use std::io::Write;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};

/// Bodies smaller than this are sent as they are.
pub const MIN_SIZE: usize = 32;

/// A content coding the adapter can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Coding {
    /// The `content-encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Brotli => "br",
        }
    }
}

/// The best coding the client accepts, honouring q-values (`q=0` refuses) and `*`.
///
/// ```
/// use lambda_web_adapter::response::compress::{negotiate, Coding};
/// assert_eq!(negotiate("gzip, deflate, br"), Some(Coding::Brotli));
/// assert_eq!(negotiate("gzip;q=1.0, br;q=0.5"), Some(Coding::Gzip));
/// assert_eq!(negotiate("br;q=0, identity"), None);
/// ```
pub fn negotiate(accept_encoding: &str) -> Option<Coding> {
    let mut gzip: Option<f32> = None;
    let mut br: Option<f32> = None;
    let mut star: Option<f32> = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match token.as_str() {
            "gzip" | "x-gzip" => gzip = Some(q),
            "br" => br = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    if br <= 0.0 && gzip <= 0.0 {
        None
    } else if br >= gzip {
        Some(Coding::Brotli)
    } else {
        Some(Coding::Gzip)
    }
}

/// Whether a response with these headers and body length may be compressed.
pub fn eligible(headers: &HeaderMap, body_len: usize) -> bool {
    if body_len < MIN_SIZE || headers.contains_key(CONTENT_ENCODING) {
        return false;
    }
    let is_image = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("image/"));
    let no_transform = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|d| d.trim().eq_ignore_ascii_case("no-transform")));
    !is_image && !no_transform
}

/// Compresses `body`; the headers get `content-encoding`, `vary: accept-encoding` and
/// lose `content-length`.
pub fn apply(coding: Coding, headers: &mut HeaderMap, body: &[u8]) -> std::io::Result<Bytes> {
    let compressed = match coding {
        Coding::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::default());
            encoder.write_all(body)?;
            encoder.finish()?
        }
        Coding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 3);
            {
                // Quality 5 and a 4 MB window: most of br's gain at a fraction of its top-quality cost.
                let mut writer = brotli::CompressorWriter::new(&mut out, 16 * 1024, 5, 22);
                writer.write_all(body)?;
                writer.flush()?;
            }
            out
        }
    };
    headers.remove(http::header::CONTENT_LENGTH);
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    headers.append(http::header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(Bytes::from(compressed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::io::Read;

    #[rstest]
    #[case("gzip", Some(Coding::Gzip))]
    #[case("br", Some(Coding::Brotli))]
    #[case("gzip, br", Some(Coding::Brotli))]
    #[case("br;q=0.1, gzip;q=0.9", Some(Coding::Gzip))]
    #[case("*", Some(Coding::Brotli))]
    #[case("*;q=0.5, br;q=0", Some(Coding::Gzip))]
    #[case("gzip;q=0", None)]
    #[case("deflate, identity", None)]
    #[case("", None)]
    fn negotiation(#[case] header: &str, #[case] expected: Option<Coding>) {
        assert_eq!(negotiate(header), expected);
    }

    #[rstest]
    #[case(&[("content-type", "text/html")], 100, true)]
    #[case(&[("content-type", "text/html")], 31, false)]
    #[case(&[("content-type", "image/svg+xml")], 100, false)]
    #[case(&[("content-type", "text/plain"), ("content-encoding", "gzip")], 100, false)]
    #[case(&[("content-type", "text/plain"), ("cache-control", "public, no-transform")], 100, false)]
    fn eligibility(#[case] pairs: &[(&'static str, &'static str)], #[case] len: usize, #[case] expected: bool) {
        let headers: HeaderMap =
            pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), HeaderValue::from_static(v))).collect();
        assert_eq!(eligible(&headers, len), expected);
    }

    #[test]
    fn gzip_and_br_round_trip() {
        let body = "hello compression ".repeat(100);
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut headers = HeaderMap::new();
            headers.insert("content-length", HeaderValue::from(body.len()));
            let out = apply(coding, &mut headers, body.as_bytes()).unwrap();
            assert!(out.len() < body.len() / 4);
            assert_eq!(headers["content-encoding"], coding.token());
            assert!(!headers.contains_key("content-length"));
            let mut decoded = String::new();
            match coding {
                Coding::Gzip => flate2::read::GzDecoder::new(&out[..]).read_to_string(&mut decoded).unwrap(),
                Coding::Brotli => brotli::Decompressor::new(&out[..], 4096).read_to_string(&mut decoded).unwrap(),
            };
            assert_eq!(decoded, body);
        }
    }
}
