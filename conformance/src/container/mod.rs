//! Containers: the sample apps as Lambda container images, run the way Lambda runs them.
//!
//! - [`host`] (outside): starts an app's image with testcontainers in a Lambda-like
//!   sandbox, with `lwa-conformance` mounted as its entrypoint wrapper, and sends it cases.
//! - [`agent`] (inside, `lwa-conformance container --cases`): starts the image's command as
//!   the app and runs each case's adapter under a fresh emulator in front of it.
//! - [`wire`]: the JSON the two exchange.
//!
//! The same binary is also the in-container emulator for people
//! (`lwa-conformance container -- <the image's command>`, like AWS's Runtime Interface
//! Emulator): it starts `/opt/extensions/*` and the command under the Runtime and
//! Extensions APIs and takes invocations on `POST /2015-03-31/functions/function/invocations`.

pub mod agent;
pub mod host;
pub mod wire;
