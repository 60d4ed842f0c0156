//! The error answers of the Runtime and Extensions APIs, with Lambda's status codes and
//! `{"errorMessage":..,"errorType":..}` bodies.
//!
//! Sources (checked against the stored copies, cited per variant below):
//! - AWS Lambda developer guide, "Using the Lambda runtime API for custom runtimes"
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>): response codes
//!   202 / 400 / 403 / 413 / 500 for `/response`, 202 / 400 / 403 / 500 for `/error`,
//!   202 / 403 / 500 for `/init/error`.
//! - aws-lambda-runtime-interface-emulator (RIE), the open-source copy of Lambda's own
//!   Runtime API server (`rapid`): `lambda/rapi/rendering/render_error.go`,
//!   `lambda/rapi/rendering/rendering.go`, `lambda/rapi/middleware/middleware.go`,
//!   `lambda/rapi/handler/*.go`, `lambda/core/states.go`, and the Managed Instances
//!   variant under `internal/lambda-managed-instances/rapi/`.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

/// Lambda's buffered response limit, `interop.MaxPayloadSize` in the RIE: 6 MB.
pub(crate) const MAX_BUFFERED_RESPONSE: usize = 6 * 1024 * 1024;
/// Lambda's streamed response limit: 200 MB (AWS docs, "Response streaming").
pub(crate) const MAX_STREAMED_RESPONSE: usize = 200 * 1024 * 1024;

/// The message of the RIE's `core.ErrNotAllowed` (`lambda/core/states.go`).
const NOT_ALLOWED: &str = "State transition is not allowed";

/// One error answer of the emulator's HTTP APIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// 400 `InvalidRequestID` "Invalid request ID": unknown or stale request id.
    /// RIE `RenderInvalidRequestID` (render_error.go), used by `AwsRequestIDValidator`
    /// (middleware.go) and, in Managed Instances, also for a second response to the same id.
    InvalidRequestId,
    /// 403 `InvalidStateTransition`: the runtime answered an invocation twice, or reported
    /// an init error after init. RIE `RenderForbiddenWithTypeMsg` with
    /// `StateTransitionFailedForRuntimeMessageFormat` (handler/constants.go):
    /// "State transition from %s to %s failed for runtime. Error: %s".
    InvalidStateTransition {
        /// Current runtime state name (RIE `core/runtime_state_names.go`).
        from: &'static str,
        /// Requested state name.
        to: &'static str,
    },
    /// 413 `RequestEntityTooLarge` "Exceeded maximum allowed payload size (6291456 bytes)."
    /// RIE `RenderRequestEntityTooLarge` (render_error.go).
    RequestEntityTooLarge,
    /// 410 `InvokeTimeout` "Invoke timeout": a response for an invocation that already
    /// timed out (Managed Instances RIE `RenderInvokeTimeout`).
    InvokeTimeout,
    /// 400 `InvalidFunctionResponseMode` "Invalid function response mode" for an unknown
    /// `Lambda-Runtime-Function-Response-Mode` (RIE `RenderInvalidFunctionResponseMode`).
    InvalidFunctionResponseMode,
    /// 404 with Go's plain text "404 page not found" (the RIE's chi router default).
    NotFound,
    /// 405 with an empty body (chi's default for a known path with another method).
    MethodNotAllowed(&'static str),
    /// 403 `Extension.InvalidExtensionName` "Empty extension name" (agentregister.go).
    EmptyExtensionName,
    /// 403 `InvalidRequestFormat` with the JSON parser's message (agentregister.go).
    InvalidRequestFormat(String),
    /// 403 `Extension.InvalidEventType` "<event>: <why>" (agentregister.go).
    InvalidEventType(String),
    /// 403 `Extension.RegistrationClosed` "Extension registration closed already"
    /// (agentregister.go, `ErrRegistrationServiceOff`).
    RegistrationClosed,
    /// 403 `Extension.InvalidExtensionState`: an extension name registered twice
    /// ("Extension with this name already registered", agentregister.go) or another
    /// refused extension state transition.
    ExtensionInvalidState(String),
    /// 403 `Extension.MissingExtensionIdentifier` "Missing Lambda-Extension-Identifier header"
    /// (middleware.go `AgentUniqueIdentifierHeaderValidator`).
    MissingExtensionIdentifier,
    /// 403 `Extension.InvalidExtensionIdentifier` "Invalid Lambda-Extension-Identifier"
    /// (middleware.go: the header does not parse as a UUID).
    InvalidExtensionIdentifier,
    /// 403 `Extension.UnknownExtensionIdentifier`; the message differs per endpoint in the
    /// RIE ("Unknown extension <id>" on /event/next, "Unknown Lambda-Extension-Identifier"
    /// on /init/error and /exit/error).
    UnknownExtensionIdentifier(String),
    /// 403 `Extension.MissingHeader` "Lambda-Extension-Function-Error-Type not found"
    /// (agentiniterror.go, agentexiterror.go).
    MissingErrorTypeHeader,
    /// 500 `InternalServerError` "Internal Server Error" (`RenderInternalServerError`).
    Internal,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorResponse<'a> {
    error_message: &'a str,
    error_type: &'a str,
}

impl ApiError {
    /// The HTTP status Lambda answers with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::InvalidRequestId | Self::InvalidFunctionResponseMode => StatusCode::BAD_REQUEST,
            Self::RequestEntityTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvokeTimeout => StatusCode::GONE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidStateTransition { .. }
            | Self::EmptyExtensionName
            | Self::InvalidRequestFormat(_)
            | Self::InvalidEventType(_)
            | Self::RegistrationClosed
            | Self::ExtensionInvalidState(_)
            | Self::MissingExtensionIdentifier
            | Self::InvalidExtensionIdentifier
            | Self::UnknownExtensionIdentifier(_)
            | Self::MissingErrorTypeHeader => StatusCode::FORBIDDEN,
        }
    }

    /// `errorType` of the JSON body (None for the plain 404 and 405 answers).
    pub(crate) fn error_type(&self) -> Option<&'static str> {
        Some(match self {
            Self::InvalidRequestId => "InvalidRequestID",
            Self::InvalidStateTransition { .. } => "InvalidStateTransition",
            Self::RequestEntityTooLarge => "RequestEntityTooLarge",
            Self::InvokeTimeout => "InvokeTimeout",
            Self::InvalidFunctionResponseMode => "InvalidFunctionResponseMode",
            Self::EmptyExtensionName => "Extension.InvalidExtensionName",
            Self::InvalidRequestFormat(_) => "InvalidRequestFormat",
            Self::InvalidEventType(_) => "Extension.InvalidEventType",
            Self::RegistrationClosed => "Extension.RegistrationClosed",
            Self::ExtensionInvalidState(_) => "Extension.InvalidExtensionState",
            Self::MissingExtensionIdentifier => "Extension.MissingExtensionIdentifier",
            Self::InvalidExtensionIdentifier => "Extension.InvalidExtensionIdentifier",
            Self::UnknownExtensionIdentifier(_) => "Extension.UnknownExtensionIdentifier",
            Self::MissingErrorTypeHeader => "Extension.MissingHeader",
            Self::Internal => "InternalServerError",
            Self::NotFound | Self::MethodNotAllowed(_) => return None,
        })
    }

    /// `errorMessage` of the JSON body.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::InvalidRequestId => "Invalid request ID".into(),
            Self::InvalidStateTransition { from, to } => {
                format!("State transition from {from} to {to} failed for runtime. Error: {NOT_ALLOWED}")
            }
            Self::RequestEntityTooLarge => {
                format!("Exceeded maximum allowed payload size ({MAX_BUFFERED_RESPONSE} bytes).")
            }
            Self::InvokeTimeout => "Invoke timeout".into(),
            Self::InvalidFunctionResponseMode => "Invalid function response mode".into(),
            Self::NotFound => "404 page not found".into(),
            Self::MethodNotAllowed(_) => String::new(),
            Self::EmptyExtensionName => "Empty extension name".into(),
            Self::InvalidRequestFormat(m)
            | Self::InvalidEventType(m)
            | Self::ExtensionInvalidState(m)
            | Self::UnknownExtensionIdentifier(m) => m.clone(),
            Self::RegistrationClosed => "Extension registration closed already".into(),
            Self::MissingExtensionIdentifier => "Missing Lambda-Extension-Identifier header".into(),
            Self::InvalidExtensionIdentifier => "Invalid Lambda-Extension-Identifier".into(),
            Self::MissingErrorTypeHeader => "Lambda-Extension-Function-Error-Type not found".into(),
            Self::Internal => "Internal Server Error".into(),
        }
    }

    /// The HTTP answer.
    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let status = self.status();
        let mut builder = Response::builder().status(status);
        let body = match (&self, self.error_type()) {
            (Self::MethodNotAllowed(allow), _) => {
                builder = builder.header(header::ALLOW, HeaderValue::from_static(allow));
                Bytes::new()
            }
            (_, None) => {
                builder = builder.header(header::CONTENT_TYPE, "text/plain; charset=utf-8");
                Bytes::from(format!("{}\n", self.message()))
            }
            (_, Some(error_type)) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                let message = self.message();
                let json =
                    serde_json::to_vec(&ErrorResponse { error_message: &message, error_type }).unwrap_or_default();
                Bytes::from(json)
            }
        };
        builder.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}

/// 202 `{"status":"OK"}`, the RIE's `RenderAccepted` (rendering.go).
pub(crate) fn accepted() -> Response<Full<Bytes>> {
    json_response(StatusCode::ACCEPTED, Bytes::from_static(br#"{"status":"OK"}"#))
}

/// A JSON answer with the given status.
pub fn json_response(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The body Lambda stores as the invocation result when a buffered response is over
/// 6 MB: errorType `Function.ResponseSizeTooLarge` (RIE `handler/invocationresponse.go`,
/// `functionResponseSizeTooLargeType`).
pub(crate) fn response_too_large_body(size: usize) -> serde_json::Value {
    serde_json::json!({
        "errorMessage": format!(
            "Response payload size ({size} bytes) exceeded maximum allowed payload size ({MAX_BUFFERED_RESPONSE} bytes)."
        ),
        "errorType": "Function.ResponseSizeTooLarge",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_json(e: ApiError) -> (StatusCode, serde_json::Value) {
        let response = e.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn shapes_match_lambda() {
        let (s, j) = body_json(ApiError::InvalidRequestId).await;
        assert_eq!(s, 400);
        assert_eq!(j, serde_json::json!({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}));
        let (s, j) =
            body_json(ApiError::InvalidStateTransition { from: "RuntimeResponseSentState", to: "InvocationResponse" })
                .await;
        assert_eq!(s, 403);
        assert_eq!(j["errorType"], "InvalidStateTransition");
        assert_eq!(
            j["errorMessage"],
            "State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed"
        );
        let (s, j) = body_json(ApiError::RequestEntityTooLarge).await;
        assert_eq!(s, 413);
        assert_eq!(j["errorMessage"], "Exceeded maximum allowed payload size (6291456 bytes).");
        let (s, _) = body_json(ApiError::RegistrationClosed).await;
        assert_eq!(s, 403);
        let response = ApiError::NotFound.into_response();
        assert_eq!(response.status(), 404);
    }
}
