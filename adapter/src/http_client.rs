//! The one HTTP/1.1 client builder, for the app and for Lambda's APIs.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// A pooled HTTP/1.1 client with a buffered request body.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A client with TCP_NODELAY on (small writes must not wait for a delayed ACK) and at
/// most `max_idle` pooled connections per host.
pub fn build(max_idle: usize) -> HttpClient {
    build_for(max_idle)
}

/// [`build`] for any request body type (streamed responses to Lambda).
pub fn build_for<B>(max_idle: usize) -> Client<HttpConnector, B>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
{
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(max_idle)
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector)
}
