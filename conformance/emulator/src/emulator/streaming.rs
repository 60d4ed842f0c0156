//! Splitting an `application/vnd.awslambda.http-integration-response` stream into its
//! JSON prelude and body: the prelude ends at the first eight NUL bytes.

use bytes::{Bytes, BytesMut};
use serde_json::Value;

/// The content type of streamed HTTP integration responses.
pub(crate) const HTTP_INTEGRATION_CONTENT_TYPE: &str = "application/vnd.awslambda.http-integration-response";

const DELIMITER: [u8; 8] = [0; 8];

/// What the splitter found in the bytes pushed so far.
#[derive(Debug, PartialEq)]
pub(crate) enum Piece {
    /// The prelude (None when it was missing or not JSON).
    Prelude(Option<Value>),
    /// Body bytes.
    Body(Bytes),
}

/// Incremental prelude splitter.
#[derive(Debug)]
pub(crate) struct PreludeSplitter {
    searching: Option<BytesMut>,
}

impl PreludeSplitter {
    /// A splitter that looks for a prelude (`true`) or passes everything through.
    pub(crate) fn new(has_prelude: bool) -> Self {
        Self { searching: has_prelude.then(BytesMut::new) }
    }

    /// Feeds the next chunk.
    pub(crate) fn push(&mut self, data: Bytes) -> Vec<Piece> {
        let Some(buf) = &mut self.searching else {
            return vec![Piece::Body(data)];
        };
        // Only the new bytes plus the last 7 old ones can complete a delimiter.
        let from = buf.len().saturating_sub(DELIMITER.len() - 1);
        buf.extend_from_slice(&data);
        let Some(pos) = buf[from..].windows(DELIMITER.len()).position(|w| w == DELIMITER).map(|p| p + from) else {
            return Vec::new();
        };
        let mut all = std::mem::take(buf).freeze();
        self.searching = None;
        let prelude = all.split_to(pos);
        let body = all.split_off(DELIMITER.len());
        vec![Piece::Prelude(serde_json::from_slice(&prelude).ok()), Piece::Body(body)]
    }

    /// The end of the stream: a prelude that never ended is reported as missing and its
    /// bytes as body.
    pub(crate) fn finish(&mut self) -> Vec<Piece> {
        match self.searching.take() {
            Some(buf) => vec![Piece::Prelude(None), Piece::Body(buf.freeze())],
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> Vec<Piece> {
        let mut s = PreludeSplitter::new(true);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(s.push(Bytes::copy_from_slice(c)));
        }
        out.extend(s.finish());
        out
    }

    #[test]
    fn splits_at_eight_nuls() {
        let out = run(&[b"{\"statusCode\":201}\0\0\0\0\0\0\0\0hello"]);
        assert_eq!(out[0], Piece::Prelude(Some(serde_json::json!({"statusCode":201}))));
        assert_eq!(out[1], Piece::Body(Bytes::from_static(b"hello")));
    }

    #[test]
    fn delimiter_split_across_chunks() {
        let out = run(&[b"{\"a\":1}\0\0\0", b"\0\0", b"\0\0\0wor", b"ld"]);
        assert_eq!(out[0], Piece::Prelude(Some(serde_json::json!({"a":1}))));
        assert_eq!(out[1], Piece::Body(Bytes::from_static(b"wor")));
        assert_eq!(out[2], Piece::Body(Bytes::from_static(b"ld")));
    }

    #[test]
    fn body_may_contain_nuls_after_the_prelude() {
        let out = run(&[b"{}\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"]);
        assert_eq!(out[1], Piece::Body(Bytes::from_static(&[0; 8])));
    }

    #[test]
    fn missing_delimiter_is_all_body() {
        let out = run(&[b"no prelude here"]);
        assert_eq!(out[0], Piece::Prelude(None));
        assert_eq!(out[1], Piece::Body(Bytes::from_static(b"no prelude here")));
    }

    #[test]
    fn pass_through_without_prelude() {
        let mut s = PreludeSplitter::new(false);
        assert_eq!(s.push(Bytes::from_static(b"x")), vec![Piece::Body(Bytes::from_static(b"x"))]);
        assert!(s.finish().is_empty());
    }
}
