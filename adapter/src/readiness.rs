//! Waits until the app answers: HTTP GET with a healthy status, or a TCP connect.

use std::time::Duration;

use tokio::time::Instant;

use crate::config::{Config, ReadinessProtocol};
use crate::forward::chain;
use crate::http_client::{self, HttpClient};
use crate::response::Payload;
use crate::status::StatusSet;

/// How often the app is probed.
pub(crate) const INTERVAL: Duration = Duration::from_millis(10);
/// How often a waiting line is logged.
pub(crate) const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// How long one probe may take (connect, and the response head for HTTP). An app that
/// accepts the connection and never answers must not hold the check (and the lock every
/// concurrent invocation waits on) past the async-init budget or the invocation deadline;
/// the next attempt opens a new connection.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The readiness check for one app.
#[derive(Debug, Clone)]
pub(crate) struct Readiness {
    protocol: ReadinessProtocol,
    authority: String,
    url: String,
    healthy: StatusSet,
    client: HttpClient,
}

impl Readiness {
    /// The check described by the configuration.
    pub(crate) fn new(config: &Config) -> Self {
        let authority = config.readiness_authority();
        let url = match config.readiness.protocol {
            ReadinessProtocol::Http => format!("http://{authority}{}", config.readiness.path),
            ReadinessProtocol::Tcp => format!("tcp://{authority}"),
        };
        Readiness {
            protocol: config.readiness.protocol,
            authority,
            url,
            healthy: config.readiness.healthy.clone(),
            // No idle connection kept: probes stop once the app is ready, and a kept one
            // would hold a slot of a server that serves one connection at a time.
            client: http_client::build(0),
        }
    }

    /// What is probed, as a URL for log lines.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// One probe: `Ok` when ready, else what was seen. It gives up after
    /// [`PROBE_TIMEOUT`], or at `until` when that comes first.
    pub(crate) async fn probe(&self, until: Option<Instant>) -> Result<(), String> {
        let limit = Instant::now() + PROBE_TIMEOUT;
        let limit = until.map_or(limit, |until| until.min(limit));
        match tokio::time::timeout_at(limit, self.attempt()).await {
            Ok(outcome) => outcome,
            Err(_) => Err("no answer within the probe's time limit".to_owned()),
        }
    }

    /// One probe, unbounded in time.
    async fn attempt(&self) -> Result<(), String> {
        match self.protocol {
            ReadinessProtocol::Tcp => {
                tokio::net::TcpStream::connect(&self.authority).await.map(drop).map_err(|e| e.to_string())
            }
            ReadinessProtocol::Http => {
                let request = http::Request::get(&self.url).body(Payload::default()).map_err(|e| e.to_string())?;
                let response = self.client.request(request).await.map_err(|e| chain(&e))?;
                let status = response.status();
                // The status is enough: the body is dropped unread, since a health
                // endpoint may stream forever (the next probe opens a new connection).
                drop(response);
                if self.healthy.contains(status.as_u16()) {
                    Ok(())
                } else {
                    Err(format!("status {status} is not in the healthy set {}", self.healthy))
                }
            }
        }
    }

    /// Probes every [`INTERVAL`] until the app is ready (`true`) or `until` passes
    /// (`false`), logging a progress line every [`PROGRESS_EVERY`].
    pub(crate) async fn wait(&self, until: Option<Instant>) -> bool {
        let start = Instant::now();
        let mut next_progress = start + PROGRESS_EVERY;
        loop {
            let last = match self.probe(until).await {
                Ok(()) => {
                    tracing::info!(url = %self.url, elapsed_ms = start.elapsed().as_millis() as u64, "app is ready");
                    return true;
                }
                Err(seen) => seen,
            };
            let now = Instant::now();
            if until.is_some_and(|until| now >= until) {
                tracing::warn!(url = %self.url, last = %last, "app is still not ready; giving up waiting for now");
                return false;
            }
            if now >= next_progress {
                tracing::info!(url = %self.url, waited_s = start.elapsed().as_secs_f32(), last = %last, "waiting for the app to be ready");
                next_progress += PROGRESS_EVERY;
            }
            tokio::time::sleep(INTERVAL).await;
        }
    }
}
