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
            let response = self.client.request(request).await.map_err(|err| self.classify(&err))?;
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
        let exchange = async { self.client.request(request).await.map_err(|err| self.classify(&err)) };
        match deadline {
            None => exchange.await,
            Some(deadline) => {
                let budget = deadline.saturating_duration_since(Instant::now());
                tokio::time::timeout_at(deadline, exchange).await.unwrap_or_else(|_| Err(timeout(budget)))
            }
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
