//! A Lambda web adapter: run an ordinary HTTP/1.1 web app on AWS Lambda.
//!
//! The binary `lambda-adapter` goes to `/opt/extensions/lambda-adapter`. It registers as
//! a Lambda extension, waits until the app answers, then turns every Lambda event into an
//! HTTP request to the app and the app's response into what Lambda expects. It is a
//! drop-in replacement for awslabs' aws-lambda-web-adapter: same variables, same
//! defaults, stricter where that was wrong (see the README).
//!
//! | Event source | Request from | Response as |
//! |---|---|---|
//! | API Gateway REST (v1) | `path`, `multiValueQueryStringParameters` (re-encoded), `multiValueHeaders` | `headers` + `multiValueHeaders` |
//! | HTTP API (v2) | `rawPath`, `rawQueryString`, `headers`, `cookies` | `headers` (joined), `cookies` |
//! | Function URL | as HTTP API | as HTTP API |
//! | ALB | `path`, query as sent, `headers` or `multiValueHeaders` | `statusDescription`, the request's header form |
//! | anything else (JSON) | POST to AWS_LWA_PASS_THROUGH_PATH, the event bytes as body | the app's body |
//!
//! The translation ([`event::translate`], [`response::encode`]) is pure; I/O lives in
//! `forward` (the app), [`lambda_api`], `readiness` and [`run`].

pub mod config;
pub mod context;
pub mod error;
pub mod event;
pub(crate) mod forward;
pub(crate) mod http_client;
pub(crate) mod invoke;
pub mod lambda_api;
pub mod logging;
pub(crate) mod readiness;
pub mod response;
pub mod run;
mod status;
pub(crate) mod swar;

pub use config::{Config, ConfigError};
pub use error::InvocationError;
pub use status::{StatusSet, StatusSetError};
