//! Sends a request to the app and reads its response, within the invocation's deadline.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use tokio::time::Instant;

use crate::error::InvocationError;
use crate::http_client::{self, HttpClient};

/// A pooled client bound to the app's address.
#[derive(Clone, Debug)]
pub struct AppClient {
    client: HttpClient,
    authority: String,
}

impl AppClient {
    /// A client for the app at `host:port`, keeping up to `pool` idle connections.
    pub fn new(authority: String, pool: usize) -> Self {
        AppClient { client: http_client::build(pool), authority }
    }

    /// `host:port` of the app.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Sends `request` (whose URI is a path and query) and reads the whole response, at
    /// most `max_body` bytes, before `deadline`.
    pub async fn send(
        &self,
        request: http::Request<Bytes>,
        deadline: Option<Instant>,
        max_body: usize,
    ) -> Result<http::Response<Bytes>, InvocationError> {
        let request = self.absolute(request)?;
        let exchange = async {
            let response = self.request(request).await?;
            let (parts, body) = response.into_parts();
            let collected = Limited::new(body, max_body).collect().await.map_err(|err| {
                if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                    InvocationError::ResponseTooLarge { size: max_body + 1 }
                } else {
                    InvocationError::AppConnection { detail: format!("reading the body: {}", chain(&*err)) }
                }
            })?;
            Ok(http::Response::from_parts(parts, collected.to_bytes()))
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
    pub async fn send_streaming(
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
        request: http::Request<Full<Bytes>>,
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

    fn absolute(&self, request: http::Request<Bytes>) -> Result<http::Request<Full<Bytes>>, InvocationError> {
        let (mut parts, body) = request.into_parts();
        let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        parts.uri = format!("http://{}{}", self.authority, target)
            .parse()
            .map_err(|e: http::uri::InvalidUri| InvocationError::AppConnection { detail: e.to_string() })?;
        Ok(http::Request::from_parts(parts, Full::new(body)))
    }

    fn classify(&self, err: &hyper_util::client::legacy::Error) -> InvocationError {
        if err.is_connect() {
            InvocationError::AppUnreachable { address: self.authority.clone(), detail: chain(err) }
        } else {
            InvocationError::AppConnection { detail: chain(err) }
        }
    }
}

/// A copy of `request` to send again (its body is buffered, so the copy is exact).
fn copy(request: &http::Request<Full<Bytes>>) -> http::Request<Full<Bytes>> {
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
