//! A buffered Lambda response as it is posted to the Runtime API.
//!
//! A big body is not written into the payload before it is sent: the payload is its head
//! (`{"statusCode":…,"body":"`), the body, and its tail (`","isBase64Encoded":…}`), and
//! the body is escaped (or base64-encoded) a piece at a time as hyper sends it. The
//! adapter then holds the app's body once, not also its JSON copy (a 1 MiB answer peaked
//! at twice that), and a piece with nothing to escape is sent as a slice of the body,
//! not copied at all. The length is known before the first byte is sent
//! ([`super::json::escapes_by_piece`]), so the request has a `content-length` as a whole
//! payload would.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::json;

/// Body bytes escaped into one frame.
pub(crate) const PIECE: usize = 64 * 1024;

/// Body bytes base64-encoded into one frame: a multiple of 3, so that only the last is
/// padded.
const BASE64_PIECE: usize = 48 * 1024;

/// The payload of a buffered response: the request body of `invocation/response`.
#[derive(Debug, Default, Clone)]
pub struct Payload {
    /// Sent first (the whole payload when there is no body to encode).
    head: Bytes,
    /// The body still to be encoded.
    field: Field,
    /// Sent last.
    tail: Bytes,
    /// Bytes not yet sent.
    remaining: usize,
}

#[derive(Debug, Default, Clone)]
enum Field {
    #[default]
    None,
    /// UTF-8 text in pieces, each escaped for a JSON string as it is sent, with what
    /// escaping adds to it.
    Text(std::vec::IntoIter<(Bytes, usize)>),
    /// Base64-encoded as it is sent.
    Base64(Bytes),
}

impl Payload {
    /// `head`, `text` escaped for a JSON string, then `tail`; `None` when `text` is not
    /// UTF-8 (a JSON string cannot hold it). What escaping adds to each [`PIECE`] is
    /// measured here ([`json::escapes_by_piece`]), so the length is known before sending.
    pub(crate) fn text(head: Bytes, text: Bytes, tail: Bytes) -> Option<Self> {
        let extras = json::escapes_by_piece(&text, PIECE)?;
        let remaining = head.len() + text.len() + extras.iter().sum::<usize>() + tail.len();
        let pieces: Vec<(Bytes, usize)> =
            (0..text.len()).step_by(PIECE).map(|at| text.slice(at..(at + PIECE).min(text.len()))).zip(extras).collect();
        Some(Payload { head, field: Field::Text(pieces.into_iter()), tail, remaining })
    }

    /// `head`, `body` in base64 (standard alphabet, padded), then `tail`.
    pub(crate) fn base64(head: Bytes, body: Bytes, tail: Bytes) -> Self {
        let encoded = base64::encoded_len(body.len(), true).unwrap_or(usize::MAX);
        let remaining = head.len().saturating_add(encoded).saturating_add(tail.len());
        Payload { head, field: Field::Base64(body), tail, remaining }
    }

    /// Its length in bytes (what is left of it, once sending has begun).
    pub fn len(&self) -> usize {
        self.remaining
    }

    /// Whether nothing is left to send.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }

    /// The whole payload in one buffer.
    pub fn into_bytes(mut self) -> Bytes {
        if matches!(self.field, Field::None) && self.tail.is_empty() {
            return self.head;
        }
        let mut whole = Vec::with_capacity(self.remaining);
        while let Some(piece) = self.next_piece() {
            whole.extend_from_slice(&piece);
        }
        Bytes::from(whole)
    }

    /// The next frame's bytes: the head, the body a piece at a time, the tail.
    fn next_piece(&mut self) -> Option<Bytes> {
        if !self.head.is_empty() {
            let head = std::mem::take(&mut self.head);
            return Some(self.sent(head));
        }
        let body = match &mut self.field {
            Field::Text(pieces) => pieces.next().map(|(piece, extra)| json::escaped(piece, extra)),
            Field::Base64(rest) if !rest.is_empty() => {
                let piece = rest.split_to(rest.len().min(BASE64_PIECE));
                Some(Bytes::from(base64::engine::general_purpose::STANDARD.encode(piece)))
            }
            _ => None,
        };
        let piece = match body {
            Some(piece) => piece,
            None if !self.tail.is_empty() => std::mem::take(&mut self.tail),
            None => {
                debug_assert_eq!(self.remaining, 0, "a payload's length is what it sends");
                return None;
            }
        };
        Some(self.sent(piece))
    }

    /// `piece`, counted as sent.
    fn sent(&mut self, piece: Bytes) -> Bytes {
        self.remaining = self.remaining.saturating_sub(piece.len());
        piece
    }
}

impl From<Bytes> for Payload {
    fn from(whole: Bytes) -> Self {
        Payload { remaining: whole.len(), head: whole, field: Field::None, tail: Bytes::new() }
    }
}

impl From<Vec<u8>> for Payload {
    fn from(whole: Vec<u8>) -> Self {
        Payload::from(Bytes::from(whole))
    }
}

impl Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().next_piece().map(|piece| Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn text_payload(text: &str) -> Payload {
        Payload::text(Bytes::from_static(b"{\"body\":\""), Bytes::from(text.to_owned()), Bytes::from_static(b"\"}"))
            .expect("UTF-8")
    }

    /// Sent through `http_body`, as hyper sends it: the frames, and what the size hint
    /// said before the first.
    async fn sent(payload: Payload) -> (Vec<Bytes>, Option<u64>) {
        let hint = payload.size_hint().exact();
        let mut body = payload;
        let mut frames = Vec::new();
        while let Some(frame) = body.frame().await {
            frames.push(frame.unwrap().into_data().unwrap());
        }
        assert!(body.is_end_stream());
        (frames, hint)
    }

    #[tokio::test]
    async fn a_big_text_body_is_sent_in_pieces_of_the_stated_length() {
        let text = format!("{}\"quoted\"\n{}", "é€ plain ".repeat(20_000), "x".repeat(70_000));
        let (frames, hint) = sent(text_payload(&text)).await;
        let whole: Vec<u8> = frames.concat();
        assert_eq!(hint, Some(whole.len() as u64), "content-length is what is sent");
        let value: serde_json::Value = serde_json::from_slice(&whole).unwrap();
        assert_eq!(value["body"], text.as_str());
        assert!(frames.len() > 4, "sent in pieces, not whole: {} frames", frames.len());
        assert!(frames.iter().all(|frame| frame.len() <= PIECE + PIECE / 8 + 16));
    }

    #[tokio::test]
    async fn a_big_binary_body_is_base64_encoded_in_pieces() {
        let body: Vec<u8> = (0..200_001u32).map(|i| (i * 7 % 256) as u8).collect();
        let payload = Payload::base64(Bytes::from_static(b"["), Bytes::from(body.clone()), Bytes::from_static(b"]"));
        let (frames, hint) = sent(payload).await;
        let whole: Vec<u8> = frames.concat();
        assert_eq!(hint, Some(whole.len() as u64));
        let encoded = base64::engine::general_purpose::STANDARD.encode(&body);
        assert_eq!(whole, [b"[", encoded.as_bytes(), b"]"].concat(), "padded only at its end");
        assert!(frames.len() >= 5);
    }

    #[tokio::test]
    async fn a_clean_piece_is_a_slice_of_the_body_itself() {
        let body = Bytes::from(vec![b'a'; 3 * PIECE]);
        let payload = Payload::text(Bytes::from_static(b"\""), body.clone(), Bytes::from_static(b"\"")).unwrap();
        let (frames, _) = sent(payload).await;
        assert_eq!(frames.len(), 5, "head, three pieces, tail");
        for (i, piece) in frames[1..4].iter().enumerate() {
            assert_eq!(piece.as_ptr(), body[i * PIECE..].as_ptr(), "piece {i} is not copied");
        }
    }

    #[test]
    fn a_whole_payload_is_its_own_bytes() {
        let whole = Bytes::from_static(b"{\"statusCode\":200}");
        let payload = Payload::from(whole.clone());
        assert_eq!(payload.len(), whole.len());
        assert_eq!(payload.into_bytes().as_ptr(), whole.as_ptr());
        assert_eq!(&text_payload("a\tb").into_bytes()[..], br#"{"body":"a\tb"}"#);
        assert!(Payload::default().is_empty());
    }
}
