//! The HTTP server behind `AWS_LAMBDA_RUNTIME_API`: accept loop, request recording and
//! routing to the Runtime API (`/2018-06-01`) and Extensions API (`/2020-01-01`).

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use tokio::net::TcpListener;

use super::api_error::ApiError;
use super::records::RecordedRequest;
use super::shared::Shared;
use super::{extensions_api, lifecycle, runtime_api};

const RUNTIME_PREFIX: &str = "/2018-06-01/runtime/";
const EXTENSION_PREFIX: &str = "/2020-01-01/extension/";

/// Accepts connections until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    crate::http_server::serve(listener, shared, handle).await;
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if !shared.config.record_requests {
        return route(shared, req).await;
    }
    let index = lifecycle::update(&shared, |st| {
        st.requests.push(RecordedRequest {
            method: req.method().clone(),
            path: req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default(),
            headers: req.headers().clone(),
            at: shared.elapsed(),
            status: None,
        });
        st.requests.len() - 1
    });
    let response = route(shared.clone(), req).await;
    let status = response.status();
    lifecycle::update(&shared, |st| {
        if let Some(r) = st.requests.get_mut(index) {
            r.status = Some(status);
        }
    });
    response
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    if let Some(rest) = path.strip_prefix(RUNTIME_PREFIX) {
        let segments: Vec<&str> = rest.split('/').collect();
        return match segments.as_slice() {
            ["invocation", "next"] => match method {
                Method::GET => runtime_api::next(shared).await,
                _ => ApiError::MethodNotAllowed("GET").into_response(),
            },
            ["invocation", id, "response"] => match method {
                Method::POST => runtime_api::response(shared, id.to_string(), req).await,
                _ => ApiError::MethodNotAllowed("POST").into_response(),
            },
            ["invocation", id, "error"] => match method {
                Method::POST => runtime_api::invocation_error(shared, id.to_string(), req).await,
                _ => ApiError::MethodNotAllowed("POST").into_response(),
            },
            ["init", "error"] => match method {
                Method::POST => runtime_api::init_error(shared, req).await,
                _ => ApiError::MethodNotAllowed("POST").into_response(),
            },
            _ => ApiError::NotFound.into_response(),
        };
    }
    if let Some(rest) = path.strip_prefix(EXTENSION_PREFIX) {
        return match (rest, method) {
            ("register", Method::POST) => extensions_api::register(shared, req).await,
            ("event/next", Method::GET) => extensions_api::next(shared, req).await,
            ("init/error", Method::POST) => extensions_api::report_error(shared, req, true).await,
            ("exit/error", Method::POST) => extensions_api::report_error(shared, req, false).await,
            ("register" | "init/error" | "exit/error", _) => ApiError::MethodNotAllowed("POST").into_response(),
            ("event/next", _) => ApiError::MethodNotAllowed("GET").into_response(),
            _ => ApiError::NotFound.into_response(),
        };
    }
    ApiError::NotFound.into_response()
}
