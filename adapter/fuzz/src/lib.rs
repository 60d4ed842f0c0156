//! The checks behind the adapter's `cargo fuzz` targets (issue 14).
//!
//! Each target in `fuzz_targets/` is one line that hands libFuzzer's bytes to a `run`
//! function here, so the same checks replay saved inputs under a plain `cargo test`
//! (`tests/regressions.rs`) without libFuzzer. Every `run` asserts properties that a real
//! defect would break (the output parses, the body round-trips, no client header passes
//! for one the adapter sets, the caps hold), not only that nothing panics.
//!
//! Only the adapter's public API is used; where a check needs a private list (the
//! hop-by-hop headers, the reserved context headers), it is restated here from the docs.

pub mod event;
pub mod invocation;
pub mod known;
pub mod mutate;
pub mod response;
pub mod slow;
pub mod stream;

/// Hop-by-hop headers (RFC 9110 section 7.6.1), which the adapter never passes on in
/// either direction.
pub const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
];

/// Whether `name` is a hop-by-hop header (names in a `HeaderMap` are lower case).
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.contains(&name)
}

/// The names a message's `Connection` header lists (RFC 9110 section 7.6.1): hop-by-hop
/// for that message, so they never cross the adapter either. Lower case, as in a
/// `HeaderMap`; options that are not header names (`close`) are harmless.
pub fn connection_options(headers: &http::HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|option| option.trim().to_ascii_lowercase())
        .filter(|option| !option.is_empty())
        .collect()
}

/// Header names worth trying more often than random bytes: the ones the adapter treats
/// specially, in the spellings that must not pass for them.
pub const INTERESTING_HEADER_NAMES: &[&str] = &[
    "content-type",
    "Content-Type",
    "content-encoding",
    "content-length",
    "Content-Length",
    "set-cookie",
    "Set-Cookie",
    "cookie",
    "cache-control",
    "vary",
    "host",
    "Host",
    "accept-encoding",
    "authorization",
    "x-custom-auth",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
    "x-amzn-request-context",
    "X-Amzn-Request-Context",
    "x_amzn_request_context",
    "X_AMZN_LAMBDA_CONTEXT",
    "x-amzn-lambda-context",
    "x-amz-tenant-id",
    "x_amz_tenant_id",
    "x-amzn-trace-id",
    "X-Amzn-Trace-Id",
    "x_amzn_trace_id",
    "x-forwarded-for",
    "x-multi",
    "location",
];

/// Header values worth trying more often than random bytes.
pub const INTERESTING_HEADER_VALUES: &[&str] = &[
    "",
    " ",
    "text/html; charset=utf-8",
    "application/json",
    "image/png",
    "gzip",
    "br",
    "identity",
    "gzip, br",
    "*",
    "no-transform",
    "public, no-transform",
    "a=1; Path=/",
    "b=2; HttpOnly",
    "0",
    "12",
    "-1",
    "18446744073709551616",
    "chunked",
    "close",
    "example.com",
    "example.com:443",
    "exa mple.com",
    "[::1]:8080",
    "Root=1-67890abc-0123456789abcdef01234567;Sampled=1",
    "{\"a\":1}",
    "\t",
    "caf\u{e9}",
];
