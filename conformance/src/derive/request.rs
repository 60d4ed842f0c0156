//! The request side: what the app must receive of the event's path, query, headers and
//! cookies, where the source leaves an adapter no choice.

use serde_json::Value;

use super::{Broken, Shape};
use crate::echo_app::Received;

/// Whether `raw` can stand in a request line as it is (so an adapter has no choice but to
/// send it unchanged): visible ASCII other than what RFC 3986 excludes, and every `%`
/// starting an escape.
pub(super) fn wire_ready(raw: &str, in_path: bool) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes.len() > i + 2 && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit(),
        b'?' => !in_path,
        b'"' | b'#' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => false,
        b'!'..=b'~' => true,
        _ => false,
    })
}

/// Every cookie of an HTTP API or Function URL event's `cookies` array reaches the app in
/// its one `cookie` header (`REQ-COOKIES-ONE-HEADER`); how they are separated is a
/// SHOULD of its own, so the line is split at `;` before comparing.
pub(super) fn check_cookies(value: &Value, app: &Received) -> Option<Broken> {
    let plain = |c: &&str| !c.is_empty() && c.bytes().all(|b| (0x20..0x7f).contains(&b));
    let cookies: Vec<&str> = value.get("cookies")?.as_array()?.iter().filter_map(Value::as_str).filter(plain).collect();
    if cookies.is_empty() {
        return None;
    }
    let lines: Vec<&String> =
        app.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("cookie")).map(|(_, v)| v).collect();
    let crumbs: Vec<&str> = lines.iter().flat_map(|l| l.split(';')).map(str::trim).collect();
    let missing: Vec<&&str> = cookies.iter().filter(|c| !crumbs.contains(&c.trim())).collect();
    if lines.len() > 1 || !missing.is_empty() {
        return Some((
            "REQ-COOKIES-ONE-HEADER",
            format!("{} cookie lines; cookies of the event missing from them: {missing:?}", lines.len()),
        ));
    }
    None
}

/// Header names the adapter owns or rewrites by rule (hop-by-hop fields, framing, the
/// cookie line it joins, the host it may drop, the context headers it sets): values of
/// these are not required to arrive as the event has them.
const NOT_FORWARDED_AS_IS: [&str; 16] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
    "content-length",
    "host",
    "cookie",
    "expect",
    "x-amzn-request-context",
    "x-amzn-lambda-context",
    "x-amz-tenant-id",
    "x-amzn-trace-id",
];

/// The event's request headers as (lowercase name, value) pairs, in order: HTTP API and
/// Function URL `headers`; REST and ALB `multiValueHeaders` when present (with the names
/// only `headers` has), else `headers`.
fn event_headers(shape: Shape, value: &Value) -> Vec<(String, String)> {
    let single: Vec<(String, String)> = value
        .get("headers")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default();
    if shape == Shape::V2 {
        return single;
    }
    let Some(multi) = value.get("multiValueHeaders").and_then(Value::as_object) else { return single };
    let mut pairs: Vec<(String, String)> = multi
        .iter()
        .flat_map(|(k, vs)| {
            let values = vs.as_array().cloned().unwrap_or_default();
            values.into_iter().filter_map(move |v| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
        })
        .collect();
    let named: std::collections::HashSet<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
    pairs.extend(single.into_iter().filter(|(k, _)| !named.contains(k)));
    pairs
}

/// Every value of every header the event carries reaches the app under its name, in
/// order (`REQ-HEADERS-MULTI-VALUE`), for the headers an adapter has no rule to change:
/// valid HTTP tokens with plain printable ASCII values, none the adapter owns, none a
/// `connection` header names, none imitating a context header.
pub(super) fn check_headers(shape: Shape, value: &Value, app: &Received) -> Option<Broken> {
    let pairs = event_headers(shape, value);
    let listed: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "connection")
        .flat_map(|(_, v)| v.split(',').map(|o| o.trim().to_ascii_lowercase()).collect::<Vec<_>>())
        .collect();
    let token = |name: &str| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let plain = |v: &str| v.bytes().all(|b| (0x20..0x7f).contains(&b));
    let context_like = |name: &str| NOT_FORWARDED_AS_IS[12..].iter().any(|c| name.replace('_', "-") == *c);
    let mut expected: Vec<(String, Vec<String>)> = Vec::new();
    for (name, v) in &pairs {
        if !token(name) || NOT_FORWARDED_AS_IS.contains(&name.as_str()) || listed.contains(name) || context_like(name) {
            continue;
        }
        if !pairs.iter().filter(|(k, _)| k == name).all(|(_, v)| plain(v)) {
            continue; // a value the adapter may drop or encode: judged by the reference
        }
        match expected.iter_mut().find(|(k, _)| k == name) {
            Some((_, values)) => values.push(v.trim().to_owned()),
            None => expected.push((name.clone(), vec![v.trim().to_owned()])),
        }
    }
    let missing: Vec<String> = expected
        .into_iter()
        .filter_map(|(name, values)| {
            let got: Vec<String> = app
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(&name))
                .map(|(_, v)| v.trim().to_owned())
                .collect();
            (got != values).then(|| format!("{name}: the event has {values:?}, the app received {got:?}"))
        })
        .collect();
    (!missing.is_empty()).then(|| ("REQ-HEADERS-MULTI-VALUE", missing.join("; ")))
}

#[cfg(test)]
mod tests {
    use crate::derive::check;
    use crate::derive::tests::{received, rules};

    #[test]
    fn what_a_request_line_cannot_hold_is_left_to_the_reference() {
        let event = br#"{"version":"2.0","rawPath":"/caf\u00e9 menu","rawQueryString":"q=a b","requestContext":{"http":{"method":"GET"}}}"#;
        assert!(check("apigw-v2/e.json", event, Some(&received("GET", "/anything", "else", b"")), None).is_empty());
    }

    #[test]
    fn every_value_of_a_plain_header_reaches_the_app() {
        let event = br#"{"httpMethod":"GET","path":"/p","requestContext":{},
            "headers":{"X-Tag":"three","Accept":"*/*"},
            "multiValueHeaders":{"X-Tag":["one","two","three"],"Connection":["x-hop"],"X-Hop":["h"],
              "Cookie":["a=1","b=2"],"X_Amzn_Trace_Id":["spoof"],"X-Odd":["caf\u00e9"]}}"#;
        let mut app = received("GET", "/p", "", b"");
        app.headers = vec![
            ("x-tag".into(), "one".into()),
            ("x-tag".into(), "two".into()),
            ("x-tag".into(), "three".into()),
            ("accept".into(), "*/*".into()),
        ];
        assert!(
            check("apigw-v1/e.json", event, Some(&app), None).is_empty(),
            "{:?}",
            check("apigw-v1/e.json", event, Some(&app), None)
        );
        app.headers = vec![("x-tag".into(), "three".into())];
        let broken = check("apigw-v1/e.json", event, Some(&app), None);
        assert_eq!(rules(&broken), ["REQ-HEADERS-MULTI-VALUE"]);
        assert!(broken[0].1.contains("x-tag") && broken[0].1.contains("accept"), "{broken:?}");
    }

    #[test]
    fn the_events_cookies_arrive_in_one_line_whatever_the_separator() {
        let event =
            br#"{"version":"2.0","rawPath":"/p","cookies":["a=1","b=2"],"requestContext":{"http":{"method":"GET"}}}"#;
        let mut app = received("GET", "/p", "", b"");
        for line in ["a=1; b=2", "a=1;b=2"] {
            app.headers = vec![("cookie".into(), line.into())];
            assert!(check("apigw-v2/e.json", event, Some(&app), None).is_empty(), "{line}");
        }
        app.headers = vec![("cookie".into(), "a=1".into())];
        assert_eq!(rules(&check("function-url/e.json", event, Some(&app), None)), ["REQ-COOKIES-ONE-HEADER"]);
        app.headers = vec![("cookie".into(), "a=1".into()), ("cookie".into(), "b=2".into())];
        assert_eq!(rules(&check("apigw-v2/e.json", event, Some(&app), None)), ["REQ-COOKIES-ONE-HEADER"]);
    }
}
