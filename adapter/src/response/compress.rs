//! Response compression for buffered responses: gzip or br, as `accept-encoding` allows.
//!
//! Skipped for `image/*`, bodies under [`MIN_SIZE`] bytes, responses that already have a
//! `content-encoding`, partial answers (206, `content-range`), and `cache-control:
//! no-transform`. When both are acceptable at the same quality, br wins (smaller for
//! text). Every answer that could have been compressed carries `vary: accept-encoding`.

use std::io::Write;

use brotli::enc::encode::{BrotliEncoderOperation, BrotliEncoderParameter, BrotliEncoderStateStruct};
use brotli::enc::{interface, StandardAlloc};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};

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
        let weight = parts.find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")));
        // An item whose weight is not a qvalue (`q=nan`, `q=2`) is not a usable preference.
        let Some(q) = weight.map_or(Some(1.0), qvalue) else { continue };
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

/// A weight as RFC 9110 (section 12.4.2) writes it: `0` to `1` with at most three
/// decimals. Anything else (`nan`, `inf`, `-1`, `1.5`, `0.0001`) is `None`.
fn qvalue(text: &str) -> Option<f32> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    match int {
        "0" if digits(frac) => text.parse().ok(),
        "1" if frac.bytes().all(|b| b == b'0') && frac.len() <= 3 => Some(1.0),
        _ => None,
    }
}

/// Whether a response with this status, headers and body length may be compressed.
pub fn eligible(status: StatusCode, headers: &HeaderMap, body_len: usize) -> bool {
    body_len >= MIN_SIZE && eligible_headers(status, headers)
}

/// Whether a response with this status and headers may be compressed, whatever its
/// length: the decision that can be taken on the response head, before any of the body
/// is read. Never a partial answer (206, or any `content-range`): its ranges count bytes
/// of the uncompressed representation (RFC 9110, section 14.4).
pub fn eligible_headers(status: StatusCode, headers: &HeaderMap) -> bool {
    if headers.contains_key(CONTENT_ENCODING)
        || status == StatusCode::PARTIAL_CONTENT
        || headers.contains_key(http::header::CONTENT_RANGE)
    {
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
    let mut encoder = Encoder::new(coding, usize::MAX, body.len() / 3);
    encoder.write(body)?;
    let compressed = encoder.finish()?;
    mark(coding, headers);
    Ok(compressed)
}

/// The header changes of a compressed body: `content-encoding`, `vary: accept-encoding`,
/// no `content-length`, and no `accept-ranges` (ranges of the compressed bytes are not
/// served, and ranges of the original would not match them).
pub fn mark(coding: Coding, headers: &mut HeaderMap) {
    headers.remove(http::header::CONTENT_LENGTH);
    headers.remove(http::header::ACCEPT_RANGES);
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    vary_on_accept_encoding(headers);
}

/// Adds `vary: accept-encoding` unless `vary` already names it (or is `*`): every answer
/// whose compression depended on the request says so, compressed or not, so a cache
/// does not serve one client's coding to another (RFC 9110, section 12.5.5).
pub fn vary_on_accept_encoding(headers: &mut HeaderMap) {
    let named = headers
        .get_all(http::header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|field| field.trim() == "*" || field.trim().eq_ignore_ascii_case("accept-encoding"));
    if !named {
        headers.append(http::header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// A compressor fed piece by piece, whose output may not pass a limit: the body need not
/// be held whole, and an incompressible one is given up as soon as its output is too big
/// rather than after all of it was read and compressed.
pub struct Encoder {
    inner: Inner,
}

enum Inner {
    Gzip(flate2::write::GzEncoder<Capped>),
    Brotli(Box<BrotliStream>),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let coding = match self.inner {
            Inner::Gzip(_) => Coding::Gzip,
            Inner::Brotli(_) => Coding::Brotli,
        };
        f.debug_struct("Encoder").field("coding", &coding).finish_non_exhaustive()
    }
}

/// The error of a write whose output passed the encoder's limit; see [`is_over_limit`].
#[derive(Debug, thiserror::Error)]
#[error("the compressed body passed {limit} bytes")]
struct OverLimit {
    limit: usize,
}

/// Whether `err` (from [`Encoder::write`] or [`Encoder::finish`]) means the output passed
/// the limit, rather than a failure of the compressor.
pub fn is_over_limit(err: &std::io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<OverLimit>())
}

impl Encoder {
    /// An encoder whose output may hold at most `limit` bytes (`capacity` reserved up front).
    pub fn new(coding: Coding, limit: usize, capacity: usize) -> Self {
        let sink = Capped { out: Vec::with_capacity(capacity.min(limit)), limit, refused: false };
        let inner = match coding {
            Coding::Gzip => Inner::Gzip(flate2::write::GzEncoder::new(sink, flate2::Compression::default())),
            // Quality 5 and a 4 MB window: most of br's gain at a fraction of its top-quality cost.
            Coding::Brotli => Inner::Brotli(Box::new(BrotliStream::new(sink, 5, 22))),
        };
        Encoder { inner }
    }

    /// Compresses `data`; fails (see [`is_over_limit`]) once the output passes the limit.
    pub fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Gzip(encoder) => encoder.write_all(data),
            Inner::Brotli(encoder) => encoder.run(BrotliEncoderOperation::BROTLI_OPERATION_PROCESS, data),
        }
    }

    /// The whole compressed body.
    pub fn finish(self) -> std::io::Result<Bytes> {
        let sink = match self.inner {
            Inner::Gzip(encoder) => encoder.finish()?,
            Inner::Brotli(mut encoder) => {
                encoder.run(BrotliEncoderOperation::BROTLI_OPERATION_FINISH, &[])?;
                encoder.sink
            }
        };
        if sink.refused {
            return Err(std::io::Error::other(OverLimit { limit: sink.limit }));
        }
        Ok(Bytes::from(sink.out))
    }
}

/// br through brotli's stream API, into a [`Capped`] sink.
///
/// brotli's own writer (`CompressorWriter`) passes one closure type to the encoder when
/// it writes and another when it finishes, and the encoder is generic over that type:
/// the binary carried two copies of it (about 170 KB, `nm --size-sort`). Here every call
/// passes the same function.
struct BrotliStream {
    state: BrotliEncoderStateStruct<StandardAlloc>,
    /// Where the encoder writes before the output goes to the sink.
    buffer: Box<[u8]>,
    sink: Capped,
}

impl BrotliStream {
    fn new(sink: Capped, quality: u32, window_bits: u32) -> Self {
        let mut state = BrotliEncoderStateStruct::new(StandardAlloc::default());
        state.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_QUALITY, quality);
        state.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_LGWIN, window_bits);
        BrotliStream { state, buffer: vec![0; 16 * 1024].into_boxed_slice(), sink }
    }

    /// Runs `op` over `input` (all of it, for a process) and moves the output to the
    /// sink; a finish runs until the stream is ended.
    fn run(&mut self, op: BrotliEncoderOperation, input: &[u8]) -> std::io::Result<()> {
        let (mut available_in, mut in_offset) = (input.len(), 0);
        loop {
            let (mut available_out, mut out_offset) = (self.buffer.len(), 0);
            let ok = self.state.compress_stream(
                op,
                &mut available_in,
                input,
                &mut in_offset,
                &mut available_out,
                &mut self.buffer,
                &mut out_offset,
                &mut None,
                &mut no_metablock_callback,
            );
            if !ok {
                return Err(std::io::Error::other("the brotli encoder failed"));
            }
            self.sink.write_all(&self.buffer[..out_offset])?;
            let done = match op {
                BrotliEncoderOperation::BROTLI_OPERATION_FINISH => self.state.is_finished(),
                _ => available_in == 0 && !self.state.has_more_output(),
            };
            if done {
                return Ok(());
            }
        }
    }
}

/// The encoder's metablock callback, which the adapter does not need.
fn no_metablock_callback(
    _: &mut interface::PredictionModeContextMap<interface::InputReferenceMut<'_>>,
    _: &mut [interface::StaticCommand],
    _: interface::InputPair<'_>,
    _: &mut StandardAlloc,
) {
}

/// The encoder's output, refusing to grow past `limit` bytes.
struct Capped {
    out: Vec<u8>,
    limit: usize,
    /// Some output was refused: the body is incomplete.
    refused: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len().saturating_add(buf.len()) > self.limit {
            self.refused = true;
            return Err(std::io::Error::other(OverLimit { limit: self.limit }));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Found by `just mutants`: the weights RFC 9110 (12.4.2) allows, and the near misses
    // its doc names, were only reached through whole Accept-Encoding headers.
    #[test]
    fn a_qvalue_is_0_to_1_with_at_most_three_decimals() {
        for (text, q) in [("0", 0.0), ("0.5", 0.5), ("0.001", 0.001), (" 0.25 ", 0.25), ("1", 1.0), ("1.000", 1.0)] {
            assert_eq!(qvalue(text), Some(q), "{text:?}");
        }
        for text in ["nan", "inf", "-1", "1.5", "1.001", "1.0000", "0.0001", "0.12a", "2", ""] {
            assert_eq!(qvalue(text), None, "{text:?}");
        }
    }
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
    #[case("br;q=nan, gzip", Some(Coding::Gzip))]
    #[case("br;q=nan", None)]
    #[case("gzip;q=NaN, br;q=0.1", Some(Coding::Brotli))]
    #[case("br;q=2, gzip;q=0.5", Some(Coding::Gzip))]
    #[case("br;q=-1", None)]
    #[case("br;q=inf", None)]
    #[case("br;q=0.0001, gzip;q=0.001", Some(Coding::Gzip))]
    #[case("br;q=1.000, gzip;q=0.999", Some(Coding::Brotli))]
    #[case("br;q=0., gzip;q=1.", Some(Coding::Gzip))]
    fn negotiation(#[case] header: &str, #[case] expected: Option<Coding>) {
        assert_eq!(negotiate(header), expected);
    }

    #[rstest]
    #[case(&[("content-type", "text/html")], 100, true)]
    #[case(&[("content-type", "text/html")], 31, false)]
    #[case(&[("content-type", "image/svg+xml")], 100, false)]
    #[case(&[("content-type", "text/plain"), ("content-encoding", "gzip")], 100, false)]
    #[case(&[("content-type", "text/plain"), ("cache-control", "public, no-transform")], 100, false)]
    #[case(&[("content-type", "text/plain"), ("content-range", "bytes 0-99/1000")], 100, false)]
    #[case(&[("content-type", "text/plain"), ("content-range", "bytes */1000")], 100, false)]
    fn eligibility(#[case] pairs: &[(&'static str, &'static str)], #[case] len: usize, #[case] expected: bool) {
        let headers: HeaderMap =
            pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), HeaderValue::from_static(v))).collect();
        assert_eq!(eligible(StatusCode::OK, &headers, len), expected);
    }

    /// Regression (issue 18): a 206 was compressed although its ranges count bytes of the
    /// uncompressed body; a multipart/byteranges 206 has no top-level content-range.
    #[test]
    fn partial_content_is_never_eligible() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("multipart/byteranges; boundary=x"));
        assert!(eligible(StatusCode::OK, &headers, 100));
        assert!(!eligible(StatusCode::PARTIAL_CONTENT, &headers, 100));
    }

    /// Regression (issue 18): compressed answers kept `accept-ranges: bytes`, and `vary`
    /// was appended even when it already named accept-encoding.
    #[test]
    fn marking_drops_accept_ranges_and_varies_once() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        headers.insert(http::header::VARY, HeaderValue::from_static("Origin, Accept-Encoding"));
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("100"));
        mark(Coding::Gzip, &mut headers);
        assert!(!headers.contains_key(http::header::ACCEPT_RANGES));
        assert!(!headers.contains_key(http::header::CONTENT_LENGTH));
        assert_eq!(headers.get_all(http::header::VARY).iter().count(), 1);
        let mut plain = HeaderMap::new();
        vary_on_accept_encoding(&mut plain);
        vary_on_accept_encoding(&mut plain);
        assert_eq!(plain.get_all(http::header::VARY).iter().collect::<Vec<_>>(), ["accept-encoding"]);
        let mut star = HeaderMap::new();
        star.insert(http::header::VARY, HeaderValue::from_static("*"));
        vary_on_accept_encoding(&mut star);
        assert_eq!(star.get_all(http::header::VARY).iter().count(), 1);
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

    #[test]
    fn encoder_gives_up_as_soon_as_its_output_passes_the_limit() {
        // Incompressible input: the output grows with it, so a 64 KiB limit is passed
        // long before the 8 MiB are all written (br holds up to about a MiB of input
        // before it writes anything, gzip much less).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..8 << 20)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut encoder = Encoder::new(coding, 64 * 1024, 0);
            let mut written = 0;
            let err = loop {
                match encoder.write(&noise[written..written + 16 * 1024]) {
                    Ok(()) => written += 16 * 1024,
                    Err(err) => break err,
                }
                assert!(written < noise.len(), "{coding:?}: 8 MiB of noise fit in 64 KiB");
            };
            assert!(is_over_limit(&err), "{coding:?}: {err}");
            assert!(written <= 2 << 20, "{coding:?}: gave up only after {written} bytes");
        }
    }

    /// br writes most of its output when it finishes; a limit passed there is an error,
    /// not a body cut short.
    #[test]
    fn encoder_limit_passed_while_finishing_is_an_error() {
        let noise: Vec<u8> = (0u32..32 * 1024).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut encoder = Encoder::new(coding, 1024, 0);
            let result = encoder.write(&noise).and_then(|()| encoder.finish());
            let err = result.expect_err("32 KiB of noise fit in 1 KiB");
            assert!(is_over_limit(&err), "{coding:?}: {err}");
        }
    }

    // Found by `just mutants`: the limit is the most bytes allowed, not the first refused.
    #[test]
    fn an_output_of_exactly_the_limit_is_accepted() {
        let body = "exactly at the limit ".repeat(1_000);
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut free = Encoder::new(coding, usize::MAX, 0);
            free.write(body.as_bytes()).unwrap();
            let whole = free.finish().unwrap();
            let mut at = Encoder::new(coding, whole.len(), 0);
            let out = at.write(body.as_bytes()).and_then(|()| at.finish());
            assert_eq!(out.unwrap_or_else(|err| panic!("{coding:?}: {err}")), whole, "{coding:?}");
            let mut under = Encoder::new(coding, whole.len() - 1, 0);
            let err = under.write(body.as_bytes()).and_then(|()| under.finish()).expect_err("one byte over");
            assert!(is_over_limit(&err), "{coding:?}: {err}");
        }
        assert!(format!("{:?}", Encoder::new(Coding::Brotli, 1, 0)).contains("Brotli"));
    }

    #[test]
    fn only_the_limit_is_over_the_limit() {
        assert!(!is_over_limit(&std::io::Error::other("disk full")));
        assert!(!is_over_limit(&std::io::Error::from(std::io::ErrorKind::InvalidData)));
    }

    #[test]
    fn encoder_fed_in_pieces_round_trips_within_the_limit() {
        let body = "piece by piece ".repeat(100_000);
        for coding in [Coding::Gzip, Coding::Brotli] {
            let mut encoder = Encoder::new(coding, 64 * 1024, 0);
            for piece in body.as_bytes().chunks(7_000) {
                encoder.write(piece).unwrap();
            }
            let out = encoder.finish().unwrap();
            assert!(out.len() <= 64 * 1024);
            let mut decoded = String::new();
            match coding {
                Coding::Gzip => flate2::read::GzDecoder::new(&out[..]).read_to_string(&mut decoded).unwrap(),
                Coding::Brotli => brotli::Decompressor::new(&out[..], 4096).read_to_string(&mut decoded).unwrap(),
            };
            assert_eq!(decoded, body);
        }
    }
}
