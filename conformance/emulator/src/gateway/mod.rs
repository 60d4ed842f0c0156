//! The front door: real HTTP in, an API Gateway / ALB / Function URL event out, and the
//! Lambda response back to HTTP.
//!
//! The shaping is pure ([`event::build_event`], [`response::from_lambda`],
//! [`response::stream_head`]) and tested without I/O; [`server`] is the hyper edge.
//!
//! Event shapes follow the AWS documentation of each integration:
//! REST API proxy integration (payload 1.0), HTTP API (payload 2.0), Lambda function URLs
//! (2.0 shape with `stage`/`routeKey` `$default`), and ALB targets (with or without
//! multi-value headers). Rules and their limits:
//! - header names arrive lowercased (hyper does not keep the client's case; REST APIs
//!   and ALB would);
//! - REST: `headers` / `queryStringParameters` hold the last value,
//!   `multiValueHeaders` / `multiValueQueryStringParameters` all of them, query values
//!   percent-decoded; HTTP API and Function URL: repeated query values and headers joined
//!   with `,`, the `cookie` header moved to `cookies`; ALB: query values as sent;
//! - bodies: text when valid UTF-8 and the content type is textual (missing, `text/*`,
//!   JSON, XML, JavaScript, form data, `+json`/`+xml`), otherwise base64 with
//!   `isBase64Encoded: true`.

pub mod event;
pub mod request;
pub mod response;
pub mod server;
mod time;

use std::fmt;
use std::str::FromStr;

pub use event::{build_event, EventContext};
pub use request::HttpRequest;
pub use response::{
    declared_content_length, from_lambda, init_failure_response, stream_head, GatewayError, HttpResponse,
};
pub use server::{serve, FrontDoor};

/// Which AWS service sits in front of the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// API Gateway REST API, Lambda proxy integration (payload format 1.0).
    Rest,
    /// API Gateway HTTP API (payload format 2.0).
    HttpApi,
    /// Lambda function URL.
    FunctionUrl,
    /// Application Load Balancer target group without multi-value headers.
    Alb,
    /// Application Load Balancer target group with multi-value headers enabled.
    AlbMulti,
}

impl Trigger {
    /// All triggers, in the order of the command line's choices.
    pub const ALL: [Trigger; 5] =
        [Trigger::Rest, Trigger::HttpApi, Trigger::FunctionUrl, Trigger::Alb, Trigger::AlbMulti];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::HttpApi => "http-api",
            Self::FunctionUrl => "function-url",
            Self::Alb => "alb",
            Self::AlbMulti => "alb-multi",
        }
    }
}

impl Trigger {
    /// Whether the front door can stream this trigger's responses, and why not.
    ///
    /// Only Lambda function URLs (invoke mode `RESPONSE_STREAM`) stream a Lambda response to
    /// the client. HTTP APIs and ALB buffer it whole. API Gateway REST APIs can stream
    /// since November 2025, but only through an integration whose response transfer mode is
    /// `STREAM`, which this front door does not imitate.
    ///
    /// ```
    /// use lwa_emulator::gateway::Trigger;
    /// assert!(Trigger::FunctionUrl.can_stream().is_ok());
    /// assert!(Trigger::HttpApi.can_stream().is_err());
    /// ```
    pub fn can_stream(self) -> Result<(), StreamingUnsupported> {
        let reason = match self {
            Self::FunctionUrl => return Ok(()),
            Self::HttpApi => "API Gateway HTTP APIs buffer the whole Lambda response",
            Self::Alb | Self::AlbMulti => "an ALB buffers the whole Lambda response (at most 1 MB)",
            Self::Rest => {
                "API Gateway REST APIs stream only through an integration whose response transfer \
                 mode is STREAM (since November 2025), which this front door does not imitate"
            }
        };
        Err(StreamingUnsupported { trigger: self, reason })
    }
}

/// `--stream` with a trigger that does not stream Lambda responses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--stream is not available with --trigger {trigger}: {reason}; only Lambda function URLs (--trigger function-url) stream responses")]
pub struct StreamingUnsupported {
    /// The trigger.
    pub trigger: Trigger,
    /// Why it cannot stream.
    pub reason: &'static str,
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A trigger name that is not one of `rest`, `http-api`, `function-url`, `alb`, `alb-multi`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trigger {0:?} (expected rest, http-api, function-url, alb or alb-multi)")]
pub struct UnknownTrigger(pub String);

impl FromStr for Trigger {
    type Err = UnknownTrigger;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Trigger::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| UnknownTrigger(s.to_string()))
    }
}
