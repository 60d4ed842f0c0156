//! Sends a request to the app and reads its response, within the invocation's deadline.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body_util::BodyExt;
use tokio::time::Instant;

use crate::error::{InvocationError, BUFFERED_LIMIT};
use crate::http_client::{self, HttpClient};
use crate::response::compress::{self, Coding};
use crate::response::Payload;

/// The most compressed bytes a buffered response can carry: they go into the payload as
/// base64 (4 characters per 3 bytes), so any more would pass [`BUFFERED_LIMIT`] anyway.
pub(crate) const COMPRESSED_LIMIT: usize = BUFFERED_LIMIT / 4 * 3;

/// A pooled client bound to the app's address.
#[derive(Clone, Debug)]
pub(crate) struct AppClient {
    client: HttpClient,
    authority: String,
    /// `authority` parsed once, for every request's URI (why it cannot be parsed otherwise).
    parsed: Result<http::uri::Authority, String>,
}

impl AppClient {
    /// A client for the app at `host:port`, keeping up to `pool` idle connections;
    /// `streaming` when its answers are mostly streamed (bigger reads).
    pub(crate) fn new(authority: String, pool: usize, streaming: bool) -> Self {
        let parsed = authority.parse().map_err(|e: http::uri::InvalidUri| e.to_string());
        let read_buffer_max =
            if streaming { http_client::STREAM_READ_BUFFER_MAX } else { http_client::READ_BUFFER_MAX };
        AppClient { client: http_client::build_for(pool, read_buffer_max), authority, parsed }
    }

    /// Sends `request` (whose URI is a path and query) and reads the whole response
    /// before `deadline`: see [`read_body`] for how much of the body is read, and how
    /// `coding` (the compression the client accepts, if compression is on) applies.
    pub(crate) async fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Option<Instant>,
        coding: Option<Coding>,
    ) -> Result<http::Response<Bytes>, InvocationError> {
        let request = self.absolute(request)?;
        let exchange = async {
            let response = self.request(request).await?;
            let (mut parts, body) = response.into_parts();
            let coding = coding.filter(|_| compress::eligible_headers(parts.status, &parts.headers));
            let body = read_body(body, coding, &mut parts.headers).await?;
            Ok(http::Response::from_parts(parts, body))
        };
        match deadline {
            None => exchange.await,
            Some(deadline) => {
                let budget = deadline.saturating_duration_since(Instant::now());
                tokio::time::timeout_at(deadline, exchange).await.unwrap_or_else(|_| Err(timeout(budget)))
            }
        }
    }

    /// Sends `request` and returns as soon as the response head arrives (before
    /// `deadline`); the body is left to stream.
    pub(crate) async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
        deadline: Option<Instant>,
    ) -> Result<http::Response<hyper::body::Incoming>, InvocationError> {
        let request = self.absolute(request)?;
        let exchange = self.request(request);
        match deadline {
            None => exchange.await,
            Some(deadline) => {
                let budget = deadline.saturating_duration_since(Instant::now());
                tokio::time::timeout_at(deadline, exchange).await.unwrap_or_else(|_| Err(timeout(budget)))
            }
        }
    }

    /// Sends `request` and waits for the response head. An idempotent request that the
    /// app's connection dropped before any answer (the app closed an idle connection just
    /// as it was reused) is sent once more, on a new connection.
    ///
    /// A request that met a connection already known closed, before any of it was
    /// written, is resent by hyper-util itself (`retry_canceled_requests`). Once written,
    /// a request may have reached the app, so only idempotent methods are sent again
    /// (RFC 9110, 9.2.2); a POST is protected by the pool's idle timeout instead
    /// ([`crate::http_client::POOL_IDLE_TIMEOUT`]). Bodies are buffered bytes, so the
    /// resend is exact.
    async fn request(
        &self,
        request: http::Request<Payload>,
    ) -> Result<http::Response<hyper::body::Incoming>, InvocationError> {
        let again = request.method().is_idempotent().then(|| copy(&request));
        match self.client.request(request).await {
            Ok(response) => Ok(response),
            Err(err) => match again {
                Some(again) if closed_before_answer(&err) => {
                    tracing::debug!(error = %chain(&err), "the app closed the connection unanswered; sending again");
                    self.client.request(again).await.map_err(|err| self.classify(&err))
                }
                _ => Err(self.classify(&err)),
            },
        }
    }

    /// `request` addressed to the app: its path and query (already parsed) behind the
    /// app's scheme and authority, nothing parsed again.
    fn absolute(&self, request: http::Request<Bytes>) -> Result<http::Request<Payload>, InvocationError> {
        let (mut parts, body) = request.into_parts();
        let authority = self.parsed.clone().map_err(|detail| InvocationError::AppConnection { detail })?;
        let mut uri = http::uri::Parts::default();
        uri.scheme = Some(http::uri::Scheme::HTTP);
        uri.authority = Some(authority);
        uri.path_and_query =
            Some(parts.uri.path_and_query().cloned().unwrap_or_else(|| http::uri::PathAndQuery::from_static("/")));
        parts.uri = http::Uri::from_parts(uri).map_err(|e| InvocationError::AppConnection { detail: e.to_string() })?;
        Ok(http::Request::from_parts(parts, Payload::from(body)))
    }

    fn classify(&self, err: &hyper_util::client::legacy::Error) -> InvocationError {
        if err.is_connect() {
            InvocationError::AppUnreachable { address: self.authority.clone(), detail: chain(err) }
        } else {
            InvocationError::AppConnection { detail: chain(err) }
        }
    }
}

/// Reads a buffered response body. Up to [`BUFFERED_LIMIT`] bytes are kept as they are
/// (compression, if any, comes later with the rest of the encoding). A longer body is
/// [`InvocationError::ResponseTooLarge`] at once, without reading further, unless it is
/// to be compressed (`coding`): then it is compressed as it arrives, on a blocking
/// thread, and given up as soon as the compressed bytes pass [`COMPRESSED_LIMIT`]. The
/// memory held is the limit, not the app's body, and no invocation waits on the CPU of
/// another's compression. `headers` get the compressed body's changes ([`compress::mark`]).
pub(crate) async fn read_body<B>(
    mut body: B,
    coding: Option<Coding>,
    headers: &mut HeaderMap,
) -> Result<Bytes, InvocationError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    let mut read = Read::Nothing;
    let stated = stated_length(headers);
    while let Some(data) = next_data(&mut body).await? {
        read = read.and(data, stated);
        if read.len() > BUFFERED_LIMIT {
            let Some(coding) = coding else {
                return Err(too_large());
            };
            let compressed = compress_rest(coding, vec![read.into_bytes()], body).await?;
            compress::mark(coding, headers);
            return Ok(compressed);
        }
    }
    Ok(read.into_bytes())
}

/// A buffered body as it is read. A body that is one chunk is kept as hyper gave it (no
/// copy). Otherwise each chunk is copied into one buffer as it arrives and let go, so
/// hyper's read buffer is reused instead of held by the chunks until the end (a 1 MiB
/// body was in memory twice: as its chunks and as their copy). When the app states a
/// length longer than the first chunk, that chunk is copied at once too: held while the
/// next is read, it would make hyper allocate a second read buffer beside it.
enum Read {
    Nothing,
    One(Bytes),
    Copied(BytesMut),
}

impl Read {
    /// `data` added; `stated` is the body's length as the app stated it.
    fn and(self, data: Bytes, stated: Option<usize>) -> Read {
        match self {
            Read::Nothing if stated.is_some_and(|stated| stated > data.len()) => {
                let mut whole = BytesMut::with_capacity(whole_capacity(stated, data.len()));
                whole.extend_from_slice(&data);
                Read::Copied(whole)
            }
            Read::Nothing => Read::One(data),
            Read::One(first) => {
                let mut whole = BytesMut::with_capacity(whole_capacity(stated, first.len() + data.len()));
                whole.extend_from_slice(&first);
                whole.extend_from_slice(&data);
                Read::Copied(whole)
            }
            Read::Copied(mut whole) => {
                whole.extend_from_slice(&data);
                Read::Copied(whole)
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Read::Nothing => 0,
            Read::One(bytes) => bytes.len(),
            Read::Copied(whole) => whole.len(),
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Read::Nothing => Bytes::new(),
            Read::One(bytes) => bytes,
            Read::Copied(whole) => whole.freeze(),
        }
    }
}

/// The buffer for a body read in several chunks, `read` bytes so far: the `stated`
/// length when the app stated one (at most one byte past the limit, whatever it claims),
/// else twice what has come.
fn whole_capacity(stated: Option<usize>, read: usize) -> usize {
    stated.unwrap_or(read.saturating_mul(2)).clamp(read, BUFFERED_LIMIT + 1)
}

/// The body's length as the app stated it (`content-length`), when it is a number.
fn stated_length(headers: &HeaderMap) -> Option<usize> {
    headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
}

/// The next data frame of `body` (trailers are skipped); `None` at its end.
async fn next_data<B>(body: &mut B) -> Result<Option<Bytes>, InvocationError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|err| InvocationError::AppConnection { detail: format!("reading the body: {}", chain(&err)) })?;
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// Compresses the chunks `read` so far and the rest of `body` on a blocking thread.
async fn compress_rest<B>(coding: Coding, read: Vec<Bytes>, mut body: B) -> Result<Bytes, InvocationError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let worker = tokio::task::spawn_blocking(move || {
        let mut encoder = compress::Encoder::new(coding, COMPRESSED_LIMIT, BUFFERED_LIMIT / 4);
        while let Some(chunk) = rx.blocking_recv() {
            encoder.write(&chunk)?;
        }
        encoder.finish()
    });
    let fed = async {
        for chunk in read {
            if tx.send(chunk).await.is_err() {
                return Ok(()); // the encoder gave up: its result says why
            }
        }
        while let Some(chunk) = next_data(&mut body).await? {
            if tx.send(chunk).await.is_err() {
                return Ok(());
            }
        }
        Ok::<(), InvocationError>(())
    }
    .await;
    drop(tx);
    let compressed = worker
        .await
        .map_err(|err| InvocationError::AppConnection { detail: format!("compressing the body: {err}") })?;
    fed?;
    compressed.map_err(|err| {
        // The encoder writes into memory, so its limit is the only way it fails.
        if !compress::is_over_limit(&err) {
            tracing::warn!(error = %err, "compressing the app's body failed");
        }
        too_large()
    })
}

/// A body given up past the limit. How far past depends on how the app's bytes were cut
/// into chunks, so the size reported is what is certain: one byte over.
fn too_large() -> InvocationError {
    InvocationError::ResponseTooLarge { size: BUFFERED_LIMIT + 1 }
}

/// A copy of `request` to send again (its body is buffered, so the copy is exact).
fn copy(request: &http::Request<Payload>) -> http::Request<Payload> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Whether the app's connection ended before any of the response arrived: closed (hyper's
/// "connection closed before message completed") or reset. Connect errors are not: the
/// request never left.
fn closed_before_answer(err: &hyper_util::client::legacy::Error) -> bool {
    if err.is_connect() {
        return false;
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if cause.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_incomplete_message) {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
            return matches!(io.kind(), ConnectionReset | ConnectionAborted | BrokenPipe);
        }
        source = cause.source();
    }
    false
}

fn timeout(budget: Duration) -> InvocationError {
    InvocationError::AppTimeout { budget_ms: budget.as_millis() as u64 }
}

/// An error and its causes on one line.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll};

    const CHUNK: usize = 64 * 1024;

    /// An app body of `chunks` chunks of 64 KiB made on demand (text, or noise that does
    /// not compress), counting the bytes the reader pulled.
    struct AppBody {
        chunks: usize,
        noise: bool,
        state: u64,
        pulled: Arc<AtomicUsize>,
    }

    impl AppBody {
        fn new(mib: usize, noise: bool) -> (Self, Arc<AtomicUsize>) {
            let pulled = Arc::new(AtomicUsize::new(0));
            (AppBody { chunks: mib * 16, noise, state: 0x2545_f491_4f6c_dd1d, pulled: pulled.clone() }, pulled)
        }
    }

    impl http_body::Body for AppBody {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
            if self.chunks == 0 {
                return Poll::Ready(None);
            }
            self.chunks -= 1;
            let chunk: Vec<u8> = if self.noise {
                (0..CHUNK / 8)
                    .flat_map(|_| {
                        self.state ^= self.state << 13;
                        self.state ^= self.state >> 7;
                        self.state ^= self.state << 17;
                        self.state.to_le_bytes()
                    })
                    .collect()
            } else {
                b"<li>a very compressible line of text</li>\n".iter().copied().cycle().take(CHUNK).collect()
            };
            self.pulled.fetch_add(chunk.len(), Ordering::Relaxed);
            Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(chunk)))))
        }
    }

    /// Regression (issue 14): with compression on, a 40 MB body was read whole (up to
    /// 8x the limit), compressed and encoded before the size check, taking the adapter to
    /// 148 MiB. A body that will not be compressed is given up right after the limit.
    #[tokio::test]
    async fn body_over_the_limit_is_not_read_further_when_it_is_not_compressed() {
        let (body, pulled) = AppBody::new(16, false);
        let err = read_body(body, None, &mut HeaderMap::new()).await.unwrap_err();
        assert!(matches!(err, InvocationError::ResponseTooLarge { .. }), "{err}");
        assert!(
            pulled.load(Ordering::Relaxed) <= BUFFERED_LIMIT + CHUNK,
            "{} bytes read",
            pulled.load(Ordering::Relaxed)
        );
    }

    /// A body that does not compress is given up as soon as its compressed bytes pass
    /// the limit, not after all 16 MB.
    #[tokio::test]
    async fn incompressible_body_is_given_up_at_the_compressed_limit() {
        for coding in [Coding::Gzip, Coding::Brotli] {
            let (body, pulled) = AppBody::new(16, true);
            let err = read_body(body, Some(coding), &mut HeaderMap::new()).await.unwrap_err();
            assert!(matches!(err, InvocationError::ResponseTooLarge { .. }), "{coding:?}: {err}");
            let pulled = pulled.load(Ordering::Relaxed);
            assert!(pulled <= BUFFERED_LIMIT + 8 * CHUNK, "{coding:?}: {pulled} bytes read");
        }
    }

    /// A big body that compresses well is compressed as it arrives and delivered whole.
    #[tokio::test]
    async fn big_compressible_body_is_compressed_as_it_arrives() {
        use std::io::Read;
        let (body, _) = AppBody::new(16, false);
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(16 << 20));
        let compressed = read_body(body, Some(Coding::Gzip), &mut headers).await.unwrap();
        assert!(compressed.len() <= COMPRESSED_LIMIT);
        assert_eq!(headers["content-encoding"], "gzip");
        assert!(!headers.contains_key("content-length"));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut decoded).unwrap();
        let (mut expected, _) = AppBody::new(16, false);
        let mut whole = Vec::new();
        while let Some(Ok(frame)) = expected.frame().await {
            whole.extend_from_slice(&frame.into_data().unwrap());
        }
        assert_eq!(decoded.len(), 16 << 20);
        assert!(decoded == whole);
    }

    /// Within the limit the body is returned as it is (compression comes with encoding).
    #[tokio::test]
    async fn body_within_the_limit_is_returned_as_it_is() {
        let (body, _) = AppBody::new(1, true);
        let mut headers = HeaderMap::new();
        let read = read_body(body, Some(Coding::Brotli), &mut headers).await.unwrap();
        assert_eq!(read.len(), 1 << 20);
        assert!(headers.is_empty());
    }

    /// A body in many chunks arrives whole, each chunk let go once copied (hyper's read
    /// buffer is reused, not held until the end), whatever the app claimed as its length.
    /// With a length that says more is coming, not even the first chunk is held.
    #[rstest::rstest]
    #[case::stated(Some(40 * 1000))]
    #[case::understated(Some(10))]
    #[case::overstated(Some(1 << 40))]
    #[case::unstated(None)]
    #[tokio::test]
    async fn chunks_are_copied_as_they_come_and_let_go(#[case] stated: Option<u64>) {
        use futures_util::StreamExt;
        struct Tracked(Vec<u8>, Arc<AtomicUsize>);
        impl AsRef<[u8]> for Tracked {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.1.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let live = Arc::new(AtomicUsize::new(0));
        let most_live = Arc::new(AtomicUsize::new(0));
        let (tracker, peak) = (live.clone(), most_live.clone());
        let chunks = futures_util::stream::iter(0..40u8).map(move |i| {
            let now = tracker.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            Ok::<_, Infallible>(http_body::Frame::data(Bytes::from_owner(Tracked(vec![i; 1000], tracker.clone()))))
        });
        let mut headers = HeaderMap::new();
        if let Some(stated) = stated {
            headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(stated));
        }
        let read = read_body(http_body_util::StreamBody::new(chunks), None, &mut headers).await.unwrap();
        let expected: Vec<u8> = (0..40u8).flat_map(|i| [i; 1000]).collect();
        assert!(read[..] == expected[..]);
        assert_eq!(live.load(Ordering::SeqCst), 0, "every chunk let go");
        let most = if stated.is_some_and(|stated| stated > 1000) { 1 } else { 2 };
        assert!(most_live.load(Ordering::SeqCst) <= most, "{} chunks held at once", most_live.load(Ordering::SeqCst));
    }

    #[test]
    fn the_buffer_is_the_stated_length_within_the_limit() {
        let stated =
            |len: &str| stated_length(&HeaderMap::from_iter([(http::header::CONTENT_LENGTH, len.parse().unwrap())]));
        assert_eq!(whole_capacity(stated("5000"), 2000), 5000);
        assert_eq!(whole_capacity(stated("100"), 2000), 2000, "never below what has come");
        assert_eq!(whole_capacity(stated("99999999999"), 2000), BUFFERED_LIMIT + 1, "never past the limit");
        assert_eq!(whole_capacity(stated("many"), 2000), 4000);
        assert_eq!(whole_capacity(None, 2000), 4000);
        assert_eq!(whole_capacity(None, BUFFERED_LIMIT), BUFFERED_LIMIT + 1);
    }

    /// Boundary (issue 19): a body of exactly the limit is read; one byte more is not.
    #[tokio::test]
    async fn a_body_of_exactly_the_limit_is_read() {
        let body = |len: usize| http_body_util::Full::new(Bytes::from(vec![b'a'; len]));
        let read = read_body(body(BUFFERED_LIMIT), None, &mut HeaderMap::new()).await.unwrap();
        assert_eq!(read.len(), BUFFERED_LIMIT);
        let err = read_body(body(BUFFERED_LIMIT + 1), None, &mut HeaderMap::new()).await.unwrap_err();
        assert!(matches!(err, InvocationError::ResponseTooLarge { .. }), "{err}");
    }
}
