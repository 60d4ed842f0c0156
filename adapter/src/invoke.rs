//! One invocation: translate, forward, encode. Every failure becomes an [`InvocationError`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use tokio::sync::Mutex;
use tokio::time::Instant;

use http_body_util::{BodyExt, Either};

use crate::config::{Config, InvokeMode};
use crate::error::{error_body_text, InvocationError, ERROR_BODY_CAP};
use crate::event::Source;
use crate::event::{translate, Translation};
use crate::forward::AppClient;
use crate::lambda_api::Invocation;
use crate::lambda_api::StreamedBody;
use crate::readiness::Readiness;
use crate::response::stream::{can_stream, prelude, ResponseStream};
use crate::response::{coding, encode, reject, rejection, EncodeOptions, Payload};

/// Bodies longer than this are encoded (compressed) on a blocking thread.
const OFFLOAD_ENCODING_FROM: usize = 64 * 1024;

/// Bodies longer than this are checked for what to escape into JSON (the payload's
/// length, [`Payload`]) on a blocking thread when invocations overlap. The escaping itself
/// is done a piece at a time as the payload is posted.
const OFFLOAD_ESCAPING_FROM: usize = 256 * 1024;

/// Whether a body of `len` bytes is encoded on the blocking pool: the milliseconds of CPU
/// of a big body are not spent on the one thread that serves every other invocation.
/// Escaping alone is handed over only when other invocations may be waiting
/// (`AWS_LAMBDA_MAX_CONCURRENCY` above 1), and only for a body big enough to be worth it.
fn offloads(len: usize, compressing: bool, max_concurrency: u32) -> bool {
    if compressing {
        len > OFFLOAD_ENCODING_FROM
    } else {
        max_concurrency > 1 && len > OFFLOAD_ESCAPING_FROM
    }
}

/// Time kept back from the deadline so the error report reaches Lambda before it kills
/// the environment.
pub(crate) const DEADLINE_MARGIN: Duration = Duration::from_millis(50);

/// What goes back to Lambda for one invocation.
pub(crate) enum Reply {
    /// A buffered payload.
    Buffered(Payload),
    /// A streamed response.
    Streaming(StreamedBody),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Buffered(payload) => f.debug_tuple("Buffered").field(&payload.len()).finish(),
            Reply::Streaming(_) => f.write_str("Streaming"),
        }
    }
}

/// Handles invocations; shared by every worker.
#[derive(Debug)]
pub(crate) struct Handler {
    config: Arc<Config>,
    app: AppClient,
    readiness: Readiness,
    ready: AtomicBool,
    /// Serialises the deferred readiness check of async init.
    checking: Mutex<()>,
}

impl Handler {
    /// A handler for `config`; `ready` says whether the readiness check already passed.
    pub(crate) fn new(config: Arc<Config>, readiness: Readiness, ready: bool) -> Self {
        let streaming = config.invoke_mode == InvokeMode::ResponseStream;
        let app = AppClient::new(config.app_authority(), config.max_concurrency as usize, streaming);
        Handler { config, app, readiness, ready: AtomicBool::new(ready), checking: Mutex::new(()) }
    }

    /// The Lambda response for one invocation.
    pub(crate) async fn handle(&self, invocation: &Invocation) -> Result<Reply, InvocationError> {
        let deadline = deadline_instant(invocation.context.deadline_ms);
        self.ensure_ready(deadline).await?;
        let (request, shape, warnings) = match translate(&invocation.event, &invocation.context, &self.config)? {
            Translation::Forward { request, shape, warnings } => (request, shape, warnings),
            Translation::Reject { shape, status, message, warnings } => {
                log_warnings(&warnings);
                tracing::warn!(status = status.as_u16(), %message, "request refused");
                // A streaming function's answer is read as a stream (prelude, then body):
                // a buffered payload there would reach the client as the body of a 200.
                if self.streams(shape.source) {
                    let (headers, body) = rejection(&message);
                    let mut whole = BytesMut::from(&prelude(status, &headers)[..]);
                    whole.extend_from_slice(body.as_bytes());
                    return Ok(Reply::Streaming(Either::Right(Payload::from(whole.freeze()))));
                }
                return Ok(Reply::Buffered(reject(&shape, status, &message).into()));
            }
        };
        log_warnings(&warnings);
        tracing::debug!(source = %shape.source, method = %request.method(), uri = %request.uri(), "forwarding");
        if self.streams(shape.source) {
            return self.stream(request, deadline).await;
        }
        let coding = coding(&shape, self.config.enable_compression);
        let response = self.app.send(request, deadline, coding).await?;
        let offload = offloads(response.body().len(), coding.is_some(), self.config.max_concurrency);
        let config = Arc::clone(&self.config);
        let encode_now = move || {
            let options = EncodeOptions {
                compression: config.enable_compression,
                error_status_codes: config.error_status_codes.as_ref(),
            };
            let mut warnings = Vec::new();
            let payload = encode(&shape, response, &options, &mut warnings);
            log_warnings(&warnings);
            payload
        };
        let payload = if offload {
            tokio::task::spawn_blocking(encode_now)
                .await
                .map_err(|err| InvocationError::AppConnection { detail: format!("encoding the response: {err}") })?
        } else {
            encode_now()
        };
        payload.map(Reply::Buffered)
    }

    /// Response streaming: the head decides the prelude, the body flows through.
    async fn stream(&self, request: http::Request<Bytes>, deadline: Option<Instant>) -> Result<Reply, InvocationError> {
        let response = self.app.send_streaming(request, deadline).await?;
        let status = response.status();
        if self.config.error_status_codes.as_ref().is_some_and(|set| set.contains(status.as_u16())) {
            let body = error_body(response.into_body(), deadline).await;
            return Err(InvocationError::ErrorStatus { status: status.as_u16(), body });
        }
        let prelude = prelude(status, response.headers());
        Ok(Reply::Streaming(Either::Left(ResponseStream::new(prelude, response.into_body(), deadline))))
    }

    /// Whether answers to events of `source` are streamed.
    fn streams(&self, source: Source) -> bool {
        self.config.invoke_mode == InvokeMode::ResponseStream && can_stream(source)
    }

    /// With async init, the first invocations finish the readiness check (before the deadline).
    async fn ensure_ready(&self, deadline: Option<Instant>) -> Result<(), InvocationError> {
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        // Another invocation may hold the check; waiting for it is bounded by this
        // invocation's own deadline.
        let _guard = match deadline {
            None => self.checking.lock().await,
            Some(deadline) => match tokio::time::timeout_at(deadline, self.checking.lock()).await {
                Ok(guard) => guard,
                Err(_) => return Err(InvocationError::AppNotReady { url: self.readiness.url().to_owned() }),
            },
        };
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        if self.readiness.wait(deadline).await {
            self.ready.store(true, Ordering::Release);
            Ok(())
        } else {
            Err(InvocationError::AppNotReady { url: self.readiness.url().to_owned() })
        }
    }
}

/// The message of an error status in streaming mode: the start of the app's body, read
/// until [`ERROR_BODY_CAP`] bytes are in, the body ends or fails, or `deadline` passes.
/// The app's body may be endless or stall (it is streamed), so it is never read whole
/// and never past the deadline: what arrived is the message, marked when cut short.
async fn error_body<B>(mut body: B, deadline: Option<Instant>) -> String
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    let mut head = BytesMut::new();
    let read = async {
        while head.len() <= ERROR_BODY_CAP {
            match body.frame().await {
                None => return None,
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        head.extend_from_slice(&data);
                    }
                }
                Some(Err(err)) => return Some(format!("the body failed: {}", crate::forward::chain(&err))),
            }
        }
        None
    };
    let cut = match deadline {
        None => read.await,
        Some(deadline) => tokio::time::timeout_at(deadline, read)
            .await
            .unwrap_or_else(|_| Some("the rest did not arrive before the invocation deadline".to_owned())),
    };
    error_body_text(&head, cut.as_deref())
}

fn log_warnings(warnings: &[String]) {
    for warning in warnings {
        tracing::warn!("{warning}");
    }
}

/// Set once a past deadline has been reported, so the log says it once, not per invocation.
static PAST_DEADLINE_REPORTED: AtomicBool = AtomicBool::new(false);

/// The invocation's deadline less [`DEADLINE_MARGIN`], on the monotonic clock.
fn deadline_instant(deadline_ms: u64) -> Option<Instant> {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let left = time_left(deadline_ms, now_ms);
    if left.is_none() && deadline_ms != 0 && !PAST_DEADLINE_REPORTED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            deadline_ms,
            now_ms,
            "Lambda-Runtime-Deadline-Ms is already past when the event arrives (a duration rather than \
             an epoch time? `cargo lambda watch` sends 600000); invocations with such a deadline are \
             served without one (reported once)"
        );
    }
    left.map(|left| Instant::now() + left)
}

/// The time the app has: from `now_ms` to `deadline_ms` (epoch ms) less [`DEADLINE_MARGIN`];
/// `None` when there is no usable deadline.
///
/// A deadline already past when the event arrives is not usable: Lambda never hands out
/// an invocation after its deadline, so it is a local emulator's (`cargo lambda watch`
/// sends `600000`, a duration, not an epoch time). Failing every such invocation with
/// `Adapter.AppTimeout` ("0 ms were left") would make the adapter useless there, so the
/// invocation is served without a deadline instead. A deadline still ahead, even inside
/// the margin, is a real one and is kept.
fn time_left(deadline_ms: u64, now_ms: u64) -> Option<Duration> {
    if deadline_ms <= now_ms {
        return None;
    }
    Some(Duration::from_millis(deadline_ms - now_ms).saturating_sub(DEADLINE_MARGIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_bodies_are_encoded_off_the_serving_thread() {
        assert!(offloads(OFFLOAD_ENCODING_FROM + 1, true, 1), "compressing, even one at a time");
        assert!(!offloads(OFFLOAD_ENCODING_FROM, true, 8));
        assert!(!offloads(1 << 20, false, 1), "escaping one at a time: nothing waits");
        assert!(offloads(OFFLOAD_ESCAPING_FROM + 1, false, 2), "escaping while others may wait");
        assert!(!offloads(OFFLOAD_ESCAPING_FROM, false, 8));
    }

    const NOW: u64 = 1_767_225_600_000;

    #[test]
    fn time_left_is_the_deadline_less_the_margin() {
        assert_eq!(time_left(NOW + 10_000, NOW), Some(Duration::from_millis(10_000) - DEADLINE_MARGIN));
        assert_eq!(time_left(NOW + 20, NOW), Some(Duration::ZERO), "inside the margin: a real deadline, all but spent");
        assert_eq!(time_left(0, NOW), None, "no deadline header");
    }

    /// Regression (issue 14): `cargo lambda watch` sends `Lambda-Runtime-Deadline-Ms:
    /// 600000`, a duration rather than an epoch time; read as a time in 1970 it left 0 ms
    /// and most invocations failed with Adapter.AppTimeout. A deadline already past when
    /// the event arrives is no usable deadline: the invocation is served without one.
    #[test]
    fn deadline_already_past_is_no_deadline() {
        assert_eq!(time_left(600_000, NOW), None, "a relative deadline (cargo lambda watch)");
        assert_eq!(time_left(NOW - 1, NOW), None, "an epoch time already past");
        assert_eq!(time_left(NOW, NOW), None, "nothing left at all");
    }
}
