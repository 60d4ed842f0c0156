//! The one HTTP/1.1 client builder, for the app and for Lambda's APIs.

use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::response::Payload;

/// A pooled HTTP/1.1 client with a buffered request body: whole bytes, or a Lambda
/// response encoded as it is sent ([`Payload`]). One body type for the app and Lambda's
/// APIs: each client type is a copy of hyper's client code in the binary.
pub(crate) type HttpClient = Client<HttpConnector, Payload>;

/// How long an idle pooled connection is kept. Below the keep-alive of the common app
/// servers (gunicorn 2 s, Node 5 s, uvicorn 5 s), so the adapter drops an idle
/// connection before the app closes it: after a freeze and thaw (both clocks moved on),
/// a connection the app has just closed is expired here and never reused. LWA keeps 4 s
/// for the same reason, which is still above gunicorn's 2 s.
pub(crate) const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(1);

/// The most header fields a response may have (hyper's default is 100, which an
/// ordinary app with many security and tracing headers can pass). The head's size is
/// capped by the read buffer ([`READ_BUFFER_MAX`]).
pub(crate) const MAX_RESPONSE_HEADERS: usize = 1024;

/// The most a connection's read buffer grows to, and so the longest response head
/// (status line and header fields) that is always read: 128 KiB, as the adapter takes in
/// a request's header fields. hyper refuses a head only when a read leaves it incomplete
/// past this, so one of up to twice this may still be read as it arrives. hyper's
/// default, about 400 KB, made a 1 MiB body pass through read buffers of up to 840 KiB
/// (hyper doubles it while reading), and two at once: most of the adapter's peak memory.
/// A body is read in pieces of this size.
pub(crate) const READ_BUFFER_MAX: usize = 128 * 1024;

/// [`READ_BUFFER_MAX`] of the connections a streamed response passes through (the app's,
/// when responses are streamed, and the stream to Lambda, whose write buffer hyper caps
/// the same way): a streamed body is never held whole, and bigger reads and writes
/// (hyper's default size) are fewer, bigger chunks. With 128 KiB, streaming bandwidth fell
/// to 0.84x (`lwa-bench --runs 5`).
pub(crate) const STREAM_READ_BUFFER_MAX: usize = 8192 + 4096 * 100;

/// A client with TCP_NODELAY on (small writes must not wait for a delayed ACK), at most
/// `max_idle` pooled connections per host (0: none kept), each closed after
/// [`POOL_IDLE_TIMEOUT`] idle, and responses of up to [`MAX_RESPONSE_HEADERS`] fields in
/// a head of up to [`READ_BUFFER_MAX`] bytes.
pub(crate) fn build(max_idle: usize) -> HttpClient {
    build_for(max_idle, READ_BUFFER_MAX)
}

/// [`build`] for any request body type (streamed responses to Lambda), with a read
/// buffer of up to `read_buffer_max` bytes.
pub(crate) fn build_for<B>(max_idle: usize, read_buffer_max: usize) -> Client<HttpConnector, B>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
{
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(max_idle)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        // Without a timer the idle timeout is only checked when the pool is next used:
        // idle connections would stay open, holding a slot of a one-connection server.
        .pool_timer(TokioTimer::new())
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .http1_max_buf_size(read_buffer_max)
        // A request that meets a pooled connection found closed before any of it was
        // written is sent again on another (hyper-util's default, relied on here).
        .retry_canceled_requests(true)
        .build(connector)
}
