//! The harness adapter: the least a Lambda web adapter can do, so the driver can tell the
//! cost of the harness (emulator, process hops, loopback TCP, the app) from the cost of an
//! adapter.
//!
//! It registers as an extension (no events), waits until `GET /` answers, then per
//! invocation: reads `rawPath`, `rawQueryString`, the method, the headers and the body of
//! an HTTP API (v2) or Function URL event with borrowed strings, sends that to the app
//! (no validation, no context headers, no base64 body decoding, no cookies), and answers
//! `{"statusCode":..,"headers":{"content-type":..},"body":..,"isBase64Encoded":false}`
//! (the body as a JSON string, lossy UTF-8); with `AWS_LWA_INVOKE_MODE=response_stream`
//! it streams a prelude, eight NUL bytes, and the app's body frames as they come.
//! `AWS_LAMBDA_MAX_CONCURRENCY` workers poll at once. It is not an adapter anyone should
//! run: it exists to be a lower bound.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

type Buffered = Client<HttpConnector, Full<Bytes>>;

fn client<B>() -> Client<HttpConnector, B>
where
    B: Body + Send + 'static,
    B::Data: Send,
{
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(64).build(connector)
}

/// What it reads from the environment.
#[derive(Debug, Clone)]
struct Settings {
    api: String,
    app: String,
    streaming: bool,
    workers: usize,
    name: String,
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let api = var("AWS_LAMBDA_RUNTIME_API").ok_or_else(|| anyhow!("AWS_LAMBDA_RUNTIME_API is not set"))?;
        let port = var("AWS_LWA_PORT").or_else(|| var("PORT")).unwrap_or_else(|| "8080".into());
        let name = std::env::args_os()
            .next()
            .and_then(|a| std::path::Path::new(&a).file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "lwa-null-adapter".into());
        Ok(Settings {
            api,
            app: format!("127.0.0.1:{port}"),
            streaming: var("AWS_LWA_INVOKE_MODE").is_some_and(|m| m.eq_ignore_ascii_case("response_stream")),
            workers: var("AWS_LAMBDA_MAX_CONCURRENCY").and_then(|v| v.parse().ok()).unwrap_or(1usize).max(1),
            name,
        })
    }
}

/// Runs until Lambda sends SHUTDOWN (the one event it registers for, so it can exit on
/// its own like an extension should, and callgrind can write its counts).
pub async fn run() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let buffered: Buffered = client();

    let register = Request::post(format!("http://{}/2020-01-01/extension/register", settings.api))
        .header("lambda-extension-name", &settings.name)
        .body(Full::new(Bytes::from_static(br#"{"events":["SHUTDOWN"]}"#)))?;
    let response = buffered.request(register).await.context("register")?;
    let id = response
        .headers()
        .get("lambda-extension-identifier")
        .cloned()
        .ok_or_else(|| anyhow!("register answered {} without an identifier", response.status()))?;
    let events = Request::get(format!("http://{}/2020-01-01/extension/event/next", settings.api))
        .header("lambda-extension-identifier", id)
        .body(Full::new(Bytes::new()))?;
    let events_client = buffered.clone();
    // Init ends once every extension polls for events; the only one to come is SHUTDOWN.
    let shutdown = tokio::spawn(async move { events_client.request(events).await });
    let shutdown = async move {
        match shutdown.await {
            Ok(Ok(_)) => {}
            // The poll broke: no SHUTDOWN will come this way; Lambda's SIGKILL ends it.
            _ => std::future::pending().await,
        }
    };

    let probe_uri: http::Uri = format!("http://{}/", settings.app).parse()?;
    loop {
        let probe = Request::get(probe_uri.clone()).body(Full::new(Bytes::new()))?;
        if let Ok(response) = buffered.request(probe).await {
            let _ = response.into_body().collect().await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..settings.workers {
        let (settings, buffered) = (settings.clone(), buffered.clone());
        workers.spawn(async move { worker(settings, buffered).await });
    }
    tokio::select! {
        ended = workers.join_next() => match ended {
            Some(Ok(result)) => result,
            Some(Err(err)) => Err(err.into()),
            None => Ok(()),
        },
        () = shutdown => Ok(()),
    }
}

/// The few fields of a v2 / Function URL event it reads, borrowed where possible.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow, rename = "rawPath")]
    raw_path: Cow<'a, str>,
    #[serde(borrow, rename = "rawQueryString", default)]
    raw_query: Cow<'a, str>,
    #[serde(borrow, default)]
    headers: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "requestContext")]
    context: EventContext<'a>,
}

#[derive(Deserialize)]
struct EventContext<'a> {
    #[serde(borrow)]
    http: EventHttp<'a>,
}

#[derive(Deserialize)]
struct EventHttp<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
}

async fn worker(settings: Settings, buffered: Buffered) -> anyhow::Result<()> {
    let streaming_client: Client<HttpConnector, Relay> = client();
    let next_uri: http::Uri = format!("http://{}/2018-06-01/runtime/invocation/next", settings.api).parse()?;
    loop {
        let next = buffered.request(Request::get(next_uri.clone()).body(Full::new(Bytes::new()))?).await?;
        let id = next
            .headers()
            .get("lambda-runtime-aws-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("invocation/next without a request id"))?;
        let event = next.into_body().collect().await?.to_bytes();
        let response_uri = format!("http://{}/2018-06-01/runtime/invocation/{id}/response", settings.api);
        let answer = match forward(&settings, &buffered, &event).await {
            Ok(answer) => answer,
            Err(err) => {
                let body = serde_json::json!({"errorMessage": format!("{err:#}"), "errorType": "NullAdapter.Error"});
                let uri = format!("http://{}/2018-06-01/runtime/invocation/{id}/error", settings.api);
                let request = Request::post(uri).body(Full::new(Bytes::from(body.to_string())))?;
                let _ = buffered.request(request).await?.into_body().collect().await;
                continue;
            }
        };
        let (status, content_type, body) = answer.into_parts();
        if settings.streaming {
            let mut prelude = serde_json::to_vec(&serde_json::json!({
                "statusCode": status,
                "headers": {"content-type": content_type},
                "cookies": [],
            }))?;
            prelude.extend_from_slice(&[0u8; 8]);
            let request = Request::post(response_uri)
                .header("lambda-runtime-function-response-mode", "streaming")
                .header("transfer-encoding", "chunked")
                .header("content-type", "application/vnd.awslambda.http-integration-response")
                .body(Relay { prelude: Some(Bytes::from(prelude)), inner: body })?;
            let _ = streaming_client.request(request).await?.into_body().collect().await;
        } else {
            let bytes = body.collect().await?.to_bytes();
            // One pre-sized buffer, the body escaped straight into it.
            let mut payload = Vec::with_capacity(bytes.len() + bytes.len() / 16 + 128);
            payload.extend_from_slice(format!("{{\"statusCode\":{status},\"headers\":{{\"content-type\":").as_bytes());
            serde_json::to_writer(&mut payload, &content_type)?;
            payload.extend_from_slice(b"},\"body\":");
            serde_json::to_writer(&mut payload, &String::from_utf8_lossy(&bytes))?;
            payload.extend_from_slice(b",\"isBase64Encoded\":false}");
            let request = Request::post(response_uri).body(Full::new(Bytes::from(payload)))?;
            let _ = buffered.request(request).await?.into_body().collect().await;
        }
    }
}

/// The app's answer: status, content type, and the body still to be read.
struct Answer {
    status: u16,
    content_type: String,
    body: Incoming,
}

impl Answer {
    fn into_parts(self) -> (u16, String, Incoming) {
        (self.status, self.content_type, self.body)
    }
}

async fn forward(settings: &Settings, client: &Buffered, event: &[u8]) -> anyhow::Result<Answer> {
    let event: Event<'_> = serde_json::from_slice(event).context("not a v2 event")?;
    let target = if event.raw_query.is_empty() {
        format!("http://{}{}", settings.app, event.raw_path)
    } else {
        format!("http://{}{}?{}", settings.app, event.raw_path, event.raw_query)
    };
    let body = event.body.map_or_else(Bytes::new, |b| Bytes::copy_from_slice(b.as_bytes()));
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = Method::from_bytes(event.context.http.method.as_bytes())?;
    *request.uri_mut() = target.parse()?;
    for (name, value) in &event.headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            request.headers_mut().append(name, value);
        }
    }
    let response = client.request(request).await?;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("text/plain").to_owned();
    if status == 0 {
        bail!("no status");
    }
    Ok(Answer { status, content_type, body: response.into_body() })
}

/// A streamed response body: the prelude, then the app's data frames as they come.
struct Relay {
    prelude: Option<Bytes>,
    inner: Incoming,
}

impl Body for Relay {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        if let Some(prelude) = self.prelude.take() {
            return Poll::Ready(Some(Ok(Frame::data(prelude))));
        }
        loop {
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) if frame.is_data() => return Poll::Ready(Some(Ok(frame))),
                // Trailers of the app are not relayed.
                Poll::Ready(Some(Ok(_))) => continue,
                other => return other,
            }
        }
    }
}
