//! Request headers: validation, hop-by-hop removal, anti-spoofing and context headers.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, HOST};
use http::{HeaderMap, Method};

use crate::config::FunctionInfo;
use crate::context::InvokeContext;

/// Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, not the
/// request, so they never cross the adapter in either direction.
///
/// Header names rather than text: removing by name hashes it as it is, where a `&str`
/// would be parsed into a name first, twice per invocation for each of the eight.
pub(crate) static HOP_BY_HOP: [HeaderName; 8] = [
    http::header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    http::header::TRANSFER_ENCODING,
    http::header::TE,
    http::header::TRAILER,
    http::header::UPGRADE,
    http::header::PROXY_AUTHENTICATE,
];

/// The fields a `Connection` header names (RFC 9110, section 7.6.1): hop-by-hop too, for
/// this message only. Options that are not header names (`close`) are harmless to remove.
pub(crate) fn connection_options(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|option| HeaderName::from_bytes(option.trim().as_bytes()).ok())
        .collect()
}

/// Removes the hop-by-hop fields: [`HOP_BY_HOP`] and those the `Connection` header names.
pub(crate) fn remove_hop_by_hop(map: &mut HeaderMap) {
    for name in connection_options(map) {
        map.remove(name);
    }
    for name in &HOP_BY_HOP {
        map.remove(name);
    }
}

/// The most header fields (names with their values, `cookie` included) an event may carry.
///
/// The front doors bound headers by bytes, not by count: API Gateway (REST and HTTP APIs)
/// allows 10,240 bytes for the request line and header values together, ALB 64 KB for
/// the whole header block (16 KB for one header line). 64 KB of the shortest lines
/// (`a:` and CRLF, 4 bytes) is 16,384 fields: no request through a front door has more.
/// It is also well below what one `http::HeaderMap` holds (24,576 names; past that
/// `append` panics), with room left for the adapter's own headers.
pub const MAX_HEADER_COUNT: usize = 16_384;

/// The most bytes of header names and values (`cookie` included) an event may carry:
/// twice ALB's 64 KB header block, the largest front door limit (API Gateway allows
/// 10,240 bytes), leaving room for the headers the front door adds itself.
pub const MAX_HEADER_BYTES: usize = 128 * 1024;

/// Headers the adapter will not pass on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// Over [`MAX_HEADER_COUNT`] or [`MAX_HEADER_BYTES`], or a header map that cannot take
    /// another name (http's own limit, unreachable below the caps but never a panic).
    TooLarge(String),
    /// One of the adapter's own context headers cannot be built: the invocation fails
    /// rather than reach the app without it.
    Context(&'static str),
}

impl HeaderError {
    pub(crate) fn full(_: http::header::MaxSizeReached) -> Self {
        HeaderError::TooLarge("the request has more header names than a header map can hold".to_owned())
    }
}

/// Refuses an event's headers when they exceed [`MAX_HEADER_COUNT`] or [`MAX_HEADER_BYTES`]
/// (v2 `cookies` count as the one `cookie` header they become).
pub(crate) fn check_limits(headers: &[(&str, &str)], cookies: &[&str]) -> Result<(), HeaderError> {
    let count = headers.len() + usize::from(!cookies.is_empty());
    let bytes = headers.iter().map(|(name, value)| name.len() + value.len()).sum::<usize>()
        + if cookies.is_empty() { 0 } else { "cookie".len() + cookies.iter().map(|c| c.len() + 2).sum::<usize>() };
    if count > MAX_HEADER_COUNT {
        return Err(HeaderError::TooLarge(format!(
            "the request has {count} header fields, more than the {MAX_HEADER_COUNT} the adapter accepts"
        )));
    }
    if bytes > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLarge(format!(
            "the request has {bytes} bytes of header names and values, more than the {MAX_HEADER_BYTES} the adapter accepts"
        )));
    }
    Ok(())
}

/// `multiValueHeaders` (every value) plus any name only `headers` has; or `headers` alone
/// when there are no multi-value headers (REST and ALB events).
///
/// Linear: the multi-value names go into a set (compared without ASCII case) once, and
/// each `headers` name is looked up in it. Comparing every name with every entry made an
/// ~840 KB event cost seconds of CPU (issue 14).
pub(crate) fn merge<N: AsRef<str>, V>(single: Vec<(N, V)>, multi: Option<Vec<(N, V)>>) -> Vec<(N, V)> {
    let Some(mut multi) = multi else { return single };
    if single.is_empty() {
        return multi;
    }
    let extra: Vec<_> = {
        let names: HashSet<Folded<'_>> = multi.iter().map(|(name, _)| Folded(name.as_ref())).collect();
        single.into_iter().filter(|(name, _)| !names.contains(&Folded(name.as_ref()))).collect()
    };
    multi.extend(extra);
    multi
}

/// A header name that hashes and compares without ASCII case.
struct Folded<'a>(&'a str);

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Folded<'_> {}

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for byte in self.0.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
        // A terminator, as `str`'s own hash has, so "ab"+"c" and "a"+"bc" differ in tuples.
        state.write_u8(0xff);
    }
}

/// A header map from event pairs; a pair that is not valid HTTP is dropped with a warning.
/// Fallible insertion only: no input reaches the panic of `HeaderMap::append`.
pub(crate) fn from_pairs<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    warnings: &mut Vec<String>,
) -> Result<HeaderMap, HeaderError> {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            warnings.push(format!("header name {name:?} is not a valid HTTP header name; dropped"));
            continue;
        };
        let Ok(value) = HeaderValue::from_str(value) else {
            warnings.push(format!("header {header} has a value that is not valid in HTTP; dropped"));
            continue;
        };
        map.try_append(header, value).map_err(HeaderError::full)?;
    }
    Ok(map)
}

/// Removes what the client may not decide (hop-by-hop headers, a stale content-length,
/// spoofed context headers, an invalid host) and sets the body's real length.
pub(crate) fn prepare_for_app(
    map: &mut HeaderMap,
    body: &Bytes,
    method: &Method,
    warnings: &mut Vec<String>,
) -> Result<(), HeaderError> {
    remove_hop_by_hop(map);
    super::context_headers(map, warnings);
    let stated = map.remove(CONTENT_LENGTH);
    if let Some(stated) = stated {
        if stated.as_bytes() != body.len().to_string().as_bytes() {
            warnings.push(format!("content-length {stated:?} does not match the {}-byte body; corrected", body.len()));
        }
    }
    // Fault injection for the suite's self-test (a harmless one): a length on every request.
    let method = if cfg!(feature = "fault-content-length-zero") { &Method::POST } else { method };
    if !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        map.try_insert(CONTENT_LENGTH, HeaderValue::from(body.len())).map_err(HeaderError::full)?;
    }
    let hosts: Vec<_> = map.get_all(HOST).iter().cloned().collect();
    if let Some(host) = hosts.first() {
        let valid =
            hosts.len() == 1 && host.to_str().ok().and_then(|h| h.parse::<http::uri::Authority>().ok()).is_some();
        if !valid {
            warnings.push(format!("host {host:?} is not a valid authority; dropped"));
            map.remove(HOST);
        }
    }
    Ok(())
}

/// Moves the configured header's value to `authorization`.
pub(crate) fn apply_authorization_source(map: &mut HeaderMap, source: Option<&HeaderName>) -> Result<(), HeaderError> {
    if let Some(value) = source.and_then(|name| map.remove(name)) {
        map.try_insert(AUTHORIZATION, value).map_err(HeaderError::full)?;
    }
    Ok(())
}

/// Inserts one of the adapter's JSON context headers; a value that cannot be a header
/// value is an error, never a request forwarded without it (fail closed).
pub(crate) fn insert_json(map: &mut HeaderMap, name: &'static HeaderName, json: &str) -> Result<(), HeaderError> {
    match HeaderValue::from_str(json) {
        Ok(value) => {
            map.try_insert(name, value).map_err(HeaderError::full)?;
        }
        Err(_) => return Err(HeaderError::Context(name.as_str())),
    }
    Ok(())
}

/// The context headers the adapter sets, as names (not text to parse on every invocation).
pub(crate) static LAMBDA_CONTEXT: HeaderName = HeaderName::from_static("x-amzn-lambda-context");
/// `x-amzn-request-context`.
pub(crate) static REQUEST_CONTEXT: HeaderName = HeaderName::from_static("x-amzn-request-context");
/// `x-amz-tenant-id`.
pub(crate) static TENANT_ID: HeaderName = HeaderName::from_static("x-amz-tenant-id");
/// `x-amzn-trace-id`.
pub(crate) static TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");

/// `x-amzn-lambda-context`, `x-amz-tenant-id` and this invocation's `x-amzn-trace-id`.
pub(crate) fn insert_invoke_context(
    map: &mut HeaderMap,
    ctx: &InvokeContext,
    function: &FunctionInfo,
    warnings: &mut Vec<String>,
) -> Result<(), HeaderError> {
    let (json, context_warnings) = ctx.lambda_context_json(function);
    warnings.extend(context_warnings);
    insert_json(map, &LAMBDA_CONTEXT, &json)?;
    for (name, value) in [(&TENANT_ID, &ctx.tenant_id), (&TRACE_ID, &ctx.trace_id)] {
        if let Some(value) = value.as_deref() {
            let value = HeaderValue::from_str(value).map_err(|_| HeaderError::Context(name.as_str()))?;
            map.try_insert(name, value).map_err(HeaderError::full)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    // Found by `just mutants`: only far-over sizes were tested, so the limits' edges and
    // the way cookies count could move unnoticed. The limits are the most allowed.
    #[test]
    fn the_header_count_limit_is_the_most_allowed_and_cookies_count_as_one() {
        let names: Vec<String> = (0..=MAX_HEADER_COUNT).map(|i| format!("h{i}")).collect();
        let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
        let at = &headers[..MAX_HEADER_COUNT];
        assert!(check_limits(at, &[]).is_ok(), "exactly the limit");
        assert!(check_limits(&headers, &[]).is_err(), "one over");
        assert!(check_limits(&at[1..], &["a=1", "b=2"]).is_ok(), "cookies make one header");
        assert!(check_limits(at, &["a=1"]).is_err(), "cookies are a header");
    }

    #[test]
    fn the_header_bytes_limit_is_the_most_allowed_and_counts_names_values_and_cookies() {
        let value = "v".repeat(MAX_HEADER_BYTES - "name".len());
        assert!(check_limits(&[("name", &value)], &[]).is_ok(), "exactly the limit");
        assert!(check_limits(&[("name", &value), ("", "x")], &[]).is_err(), "one byte over");
        assert!(check_limits(&[("name!", &value)], &[]).is_err(), "the name counts");
        // A cookie counts as `cookie`, itself, and two bytes for its `; ` separator.
        let cookie = "a=12345";
        let room = "v".repeat(MAX_HEADER_BYTES - "name".len() - "cookie".len() - (cookie.len() + 2));
        assert!(check_limits(&[("name", &room)], &[cookie]).is_ok(), "exactly the limit with a cookie");
        assert!(check_limits(&[("name", &room)], &[cookie, ""]).is_err(), "an empty cookie still adds its separator");
        assert!(check_limits(&[("name", &room)], &["a=123456"]).is_err(), "one cookie byte over");
    }

    /// A header name that counts how often the merge looks at it.
    struct Counted<'a> {
        name: String,
        looks: &'a Cell<usize>,
    }

    impl AsRef<str> for Counted<'_> {
        fn as_ref(&self) -> &str {
            self.looks.set(self.looks.get() + 1);
            &self.name
        }
    }

    /// Regression (issue 14): the merge compared every `headers` name with every
    /// `multiValueHeaders` entry, so an ~840 KB event took seconds of CPU. It must look at
    /// each name a bounded number of times (counted, not timed: speed is for the benches).
    #[test]
    fn header_merge_looks_at_each_name_a_bounded_number_of_times() {
        let looks = Cell::new(0);
        let n = 2_000;
        let named = |prefix: &str, i: usize| Counted { name: format!("{prefix}-{i}"), looks: &looks };
        let single: Vec<_> = (0..n).map(|i| (named("X-Single", i), ())).collect();
        let multi: Vec<_> = (0..n).map(|i| (named("x-multi", i), ())).collect();
        let merged = merge(single, Some(multi));
        assert_eq!(merged.len(), 2 * n);
        assert!(looks.get() <= 4 * 2 * n, "{} looks at {} names", looks.get(), 2 * n);
    }

    /// Regression (issue 14): the linear merge keeps the result of the quadratic one on a
    /// large event: every multi-value pair in order, then the names only `headers` has, in
    /// order, names compared without case.
    #[test]
    fn header_merge_of_20000_headers_keeps_multi_values_and_adds_names_only_in_headers() {
        let n = 20_000;
        // `headers` holds every name (upper case), `multiValueHeaders` the even ones (two
        // values each): the odd names must be added, the even ones not repeated.
        let single: Vec<(String, String)> = (0..n).map(|i| (format!("X-H-{i}"), format!("s{i}"))).collect();
        let multi: Vec<(String, String)> = (0..n)
            .step_by(2)
            .flat_map(|i| [(format!("x-h-{i}"), format!("a{i}")), (format!("x-h-{i}"), format!("b{i}"))])
            .collect();
        let merged = merge(single, Some(multi.clone()));
        assert_eq!(merged.len(), n + n / 2);
        assert_eq!(merged[..n], multi[..]);
        let added: Vec<(String, String)> = (1..n).step_by(2).map(|i| (format!("X-H-{i}"), format!("s{i}"))).collect();
        assert_eq!(merged[n..], added[..]);
    }

    #[test]
    fn header_merge_without_multi_value_headers_is_the_single_map() {
        let single = vec![("a", "1"), ("A", "2")];
        assert_eq!(merge(single.clone(), None), single);
        assert_eq!(
            merge(vec![("Host", "x"), ("only", "y")], Some(vec![("host", "z")])),
            vec![("host", "z"), ("only", "y")]
        );
    }

    /// Regression (issue 14): RFC 9110 (section 7.6.1) makes the fields a `Connection`
    /// header names hop-by-hop; they were forwarded.
    #[test]
    fn fields_named_by_connection_are_removed_with_the_standard_ones() {
        let mut map = HeaderMap::new();
        map.append("connection", HeaderValue::from_static("close, X-Hop"));
        map.append("connection", HeaderValue::from_static(" x-other ,, not a name"));
        map.append("x-hop", HeaderValue::from_static("1"));
        map.append("x-other", HeaderValue::from_static("2"));
        map.append("keep-alive", HeaderValue::from_static("timeout=5"));
        map.append("x-end-to-end", HeaderValue::from_static("3"));
        prepare_for_app(&mut map, &Bytes::new(), &Method::GET, &mut Vec::new()).unwrap();
        let names: Vec<&str> = map.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-end-to-end"]);
    }
}
