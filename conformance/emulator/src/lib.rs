//! A local AWS Lambda: the Runtime and Extensions APIs, the lifecycle around them and the
//! front door (API Gateway, ALB, Function URL events from real HTTP). Used by the
//! conformance suite (`lwa-conformance`), the benchmarks (`lwa-benches`) and containers.
//!
//! The [`Emulator`] is a local AWS Lambda execution environment: the Runtime API
//! (`/2018-06-01`), the Extensions API (`/2020-01-01/extension`), and the lifecycle
//! around them (extensions started and awaited, init limit, per-invocation timeouts with
//! environment resets, SIGTERM / SHUTDOWN / SIGKILL at shutdown), with everything a test
//! needs recorded: requests, registrations, delivered events, process output. The
//! [`gateway`] module is the front door: real HTTP in, API Gateway / ALB / Function URL
//! events out.
//!
//! | Feature | Where |
//! |---|---|
//! | `GET /runtime/invocation/next` long poll with every `Lambda-Runtime-*` header | [`Emulator::invoke`], [`Invocation`] |
//! | buffered responses (6 MB), streamed responses (200 MB, prelude split, trailers, chunk times) | [`Outcome`], [`Emulator::invoke_streaming`] |
//! | Lambda's error answers (table below) | `emulator/api_error.rs` |
//! | extensions: register, INVOKE / SHUTDOWN, init and exit errors | [`Emulator::registrations`], [`Emulator::delivered_events`] |
//! | init limit, timeouts and resets, crashes, `AWS_LAMBDA_EXEC_WRAPPER` | [`EmulatorConfig`], [`Outcome::Timeout`], [`Outcome::InitError`] |
//! | process groups, prefixed log capture, kill on drop | [`Emulator::logs`], [`Emulator::shutdown`] |
//! | Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`) | [`EmulatorConfig::max_concurrency`] |
//! | server-only mode for in-process runtimes | [`EmulatorConfig::new`] with no processes |
//! | API Gateway REST / HTTP API, Function URL (with streaming), ALB | [`gateway`] |
//!
//! # Server-only mode
//!
//! With no runtime command and no extensions nothing is spawned: any code can be the
//! runtime. Init ends when it first polls `/next`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use lwa_emulator::{Emulator, EmulatorConfig, Invocation, Outcome};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! async fn http(api: &str, request: String) -> String {
//!     let mut stream = tokio::net::TcpStream::connect(api).await.expect("connect");
//!     stream.write_all(request.as_bytes()).await.expect("write");
//!     let mut answer = String::new();
//!     stream.read_to_string(&mut answer).await.expect("read");
//!     answer
//! }
//!
//! let emulator = Emulator::start(EmulatorConfig::new()).await.expect("bind");
//! let api = emulator.runtime_api();
//! // A minimal runtime: one poll, one answer, over raw HTTP/1.1.
//! let runtime = tokio::spawn(async move {
//!     let next = http(&api, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".into()).await;
//!     let id = next
//!         .lines()
//!         .find_map(|l| l.strip_prefix("lambda-runtime-aws-request-id: "))
//!         .expect("a request id")
//!         .to_string();
//!     let body = r#"{"answer":42}"#;
//!     http(&api, format!(
//!         "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
//!         body.len()
//!     )).await
//! });
//! let outcome = emulator.invoke(Invocation::new(r#"{"question":"?"}"#)).await;
//! assert_eq!(outcome.body_json(), Some(serde_json::json!({"answer": 42})));
//! assert!(runtime.await.expect("runtime").starts_with("HTTP/1.1 202"));
//! # }
//! ```
//!
//! # Lambda's error answers
//!
//! Taken from the open-source copy of Lambda's Runtime API server, the
//! aws-lambda-runtime-interface-emulator (RIE: `lambda/rapi/rendering/render_error.go`,
//! `lambda/rapi/middleware/middleware.go`, `lambda/rapi/handler/*.go`,
//! `lambda/core/states.go`, and `internal/lambda-managed-instances/rapi/` for Managed
//! Instances), with the status codes listed in the AWS Lambda developer guide's Runtime
//! API reference. Bodies are `{"errorMessage":..,"errorType":..}`.
//!
//! | Situation | Status | errorType | errorMessage |
//! |---|---|---|---|
//! | `/response` or `/error` for an unknown or stale request id | 400 | `InvalidRequestID` | `Invalid request ID` |
//! | a second `/response` or `/error` for the current invocation (classic) | 403 | `InvalidStateTransition` | `State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed` |
//! | the same in Managed Instances | 400 | `InvalidRequestID` | `Invalid request ID` |
//! | an answer after the invocation timed out (Managed Instances) | 410 | `InvokeTimeout` | `Invoke timeout` |
//! | buffered response over 6291456 bytes (the invocation fails with `Function.ResponseSizeTooLarge`) | 413 | `RequestEntityTooLarge` | `Exceeded maximum allowed payload size (6291456 bytes).` |
//! | unknown `Lambda-Runtime-Function-Response-Mode` | 400 | `InvalidFunctionResponseMode` | `Invalid function response mode` |
//! | `/runtime/init/error` after init | 403 | `InvalidStateTransition` | `State transition from Ready to InitError ...` |
//! | `/error` body that is not JSON | 202 | (accepted, kept raw) | |
//! | unknown route / known route with another method | 404 `404 page not found` (text) / 405 with `Allow` | | |
//! | register without `Lambda-Extension-Name` | 403 | `Extension.InvalidExtensionName` | `Empty extension name` |
//! | register body not JSON | 403 | `InvalidRequestFormat` | the parser's message |
//! | register for an unknown event (or INVOKE in Managed Instances) | 403 | `Extension.InvalidEventType` | `<EVENT>: ErrorInvalidEventType` |
//! | register after init | 403 | `Extension.RegistrationClosed` | `Extension registration closed already` |
//! | a name registered twice | 403 | `Extension.InvalidExtensionState` | |
//! | no `Lambda-Extension-Identifier` | 403 | `Extension.MissingExtensionIdentifier` | `Missing Lambda-Extension-Identifier header` |
//! | identifier not a UUID | 403 | `Extension.InvalidExtensionIdentifier` | `Invalid Lambda-Extension-Identifier` |
//! | unknown identifier | 403 | `Extension.UnknownExtensionIdentifier` | `Unknown extension <id>` |
//! | `/init/error` or `/exit/error` without `Lambda-Extension-Function-Error-Type` | 403 | `Extension.MissingHeader` | `Lambda-Extension-Function-Error-Type not found` |
//!
//! Successful answers: `/response`, `/error`, `/init/error`, `/exit/error` 202
//! `{"status":"OK"}`; register 200 with `Lambda-Extension-Identifier` and
//! `{"functionName","functionVersion","handler"}` (plus `accountId` when asked with
//! `Lambda-Extension-Accept-Feature: accountId`).

pub mod emulator;
mod error;
pub mod gateway;
pub mod http_server;

pub use emulator::{
    Chunk, DeliveredEvent, Emulator, EmulatorConfig, ErrorBody, ExtensionCommand, FunctionConfig, InitFailure,
    Invocation, InvocationHandle, LogLine, LogSource, LogStream, Outcome, RecordedRequest, Registration, ResponseEvent,
    ShutdownReport, StreamError, MAX_BUFFERED_RESPONSE_BYTES, MAX_STREAMED_RESPONSE_BYTES,
};
pub use error::EmulatorError;
