//! The suite's agent inside an app's container (`lwa-conformance container --cases`).
//!
//! It starts the image's command once (the shared app, as the process host shares a
//! sample app across cases), then answers [`CaseRequest`]s on
//! [`CASES_PATH`](super::wire::CASES_PATH): each one stages the given adapter under a fresh
//! emulator in front of a recording proxy to that app, inside the container's sandbox
//! (read-only root, non-root user, memory limit), and replies with the observation. The
//! runner outside checks and normalises it exactly as it does for the process host.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use tokio::net::TcpListener;

use super::wire::{CaseReply, CaseRequest, WireObservation, AGENT_PORT, CASES_PATH, READY_LINE};
use crate::apps::{AppCommand, AppHandle, AppProcess};
use crate::emulator::api_error::json_response;

/// How long the shared app may take to listen (Spring under qemu-emulated neighbours is slow).
const APP_READY_WITHIN: Duration = Duration::from_secs(90);

/// Starts `app`, then serves case requests on `listener` until the task is dropped.
pub async fn run(listener: TcpListener, app: AppCommand) -> Result<(), String> {
    let shared = AppProcess::spawn(&app, Duration::ZERO, APP_READY_WITHIN).await?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("{READY_LINE} on {addr} ({} on 127.0.0.1:{})", app.name, shared.port());
    crate::http_server::serve(listener, Arc::new((app, shared)), answer).await;
    Ok(())
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    json_response(status, Bytes::from(body))
}

fn failure(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    reply(status, serde_json::json!({ "error": message }).to_string())
}

async fn answer(state: Arc<(AppCommand, AppProcess)>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (app, shared) = (&state.0, &state.1);
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/lwa/v1/health") => reply(StatusCode::OK, r#"{"status":"ok"}"#.to_owned()),
        (&Method::POST, CASES_PATH) => {
            let body = match req.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(e) => return failure(StatusCode::BAD_REQUEST, &format!("reading the request: {e}")),
            };
            let request: CaseRequest = match serde_json::from_slice(&body) {
                Ok(request) => request,
                Err(e) => return failure(StatusCode::BAD_REQUEST, &format!("not a case request: {e}")),
            };
            match run_case(&request, app, shared).await {
                Ok(done) => match serde_json::to_string(&done) {
                    Ok(json) => reply(StatusCode::OK, json),
                    Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                },
                Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, &e),
            }
        }
        _ => failure(StatusCode::NOT_FOUND, "unknown route (POST /lwa/v1/cases, GET /lwa/v1/health)"),
    }
}

async fn run_case(request: &CaseRequest, app: &AppCommand, shared: &AppProcess) -> Result<CaseReply, String> {
    let invocation = request.invocation()?;
    let handle = AppHandle::prepare_real(app, Some(shared), Duration::from_millis(request.start_delay_ms)).await?;
    let timeout = Duration::from_millis(request.timeout_ms);
    let (seen, logs) =
        crate::runner::execute(request.adapter.clone(), handle, &request.env, timeout, invocation).await?;
    Ok(CaseReply { observation: WireObservation::from(&seen), logs })
}

/// The address the agent listens on by default: every interface of the container, so a
/// published port reaches it.
pub fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], AGENT_PORT))
}
