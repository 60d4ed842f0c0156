//! API Gateway WebSocket API events, one mapping for every route.
//!
//! Every event (`$connect`, `$disconnect`, `$default`, custom routes) becomes
//! `POST /websocket/{routeKey}`: the route key is the last path segment (percent-encoded
//! where a path segment cannot hold it; `$` is kept), so an app routes WebSocket
//! traffic like any other request. `$connect` and `$disconnect` carry the handshake's
//! headers and query (read as REST reads them); a message carries its frame as the body,
//! base64-decoded for binary frames, typed `text/plain; charset=utf-8` or
//! `application/octet-stream` when the event names no content type. The connection id,
//! route key and event type are in `x-amzn-request-context`, for answering through the
//! API Gateway management API. The answer is written in the REST format (API Gateway
//! reads `statusCode`, and for routes with a route response, `body`).

use std::borrow::Cow;

use super::fields::{Fields, Key, Obj, ValueEvent};
use super::{apigw_v1, uri, EventError, HttpEvent};

/// The path every WebSocket event is sent to, followed by `/{routeKey}`.
pub(crate) const PATH_PREFIX: &str = "/websocket/";

/// The request path for a route key: `/websocket/$connect`, `/websocket/sendmessage`.
pub(crate) fn path_for(route_key: &str) -> String {
    format!("{PATH_PREFIX}{}", uri::encode_segment(route_key))
}

/// Read by the `Value`-based reader only (the fast path leaves these events to it), with
/// REST's query and header rules.
pub(crate) fn read<'a>(event: Obj<'a>, warnings: &mut Vec<String>) -> Result<HttpEvent<'a>, EventError> {
    let context = event.obj_opt("requestContext")?.ok_or_else(|| event.error("requestContext", "is required"))?;
    let route_key = context.str_req("routeKey")?;
    let mut event = ValueEvent { obj: event, warnings };
    let query_pairs = apigw_v1::query_pairs(&mut event)?;
    let mut headers = apigw_v1::merged_headers(&mut event)?;
    let body = event.str_opt(Key::Body)?;
    let base64 = event.bool_or_false(Key::IsBase64Encoded)?;
    if body.is_some() {
        frame_content_type(&mut headers, base64);
    }
    Ok(HttpEvent {
        method: "POST",
        path: Cow::Owned(path_for(route_key)),
        query: uri::rest_query(&query_pairs),
        headers,
        cookies: Vec::new(),
        body,
        base64,
        // Filled in from the raw event by `translate`.
        request_context: None,
        multi_value: true,
    })
}

/// A frame's content type when the event names none: binary frames arrive base64-encoded.
fn frame_content_type(headers: &mut Vec<(&str, &str)>, binary: bool) {
    if headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        return;
    }
    let value = if binary { "application/octet-stream" } else { "text/plain; charset=utf-8" };
    headers.push(("content-type", value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_become_one_path_segment() {
        assert_eq!(path_for("$connect"), "/websocket/$connect");
        assert_eq!(path_for("$default"), "/websocket/$default");
        assert_eq!(path_for("sendmessage"), "/websocket/sendmessage");
        assert_eq!(path_for("a/b?c#d e%"), "/websocket/a%2Fb%3Fc%23d%20e%25");
        assert_eq!(path_for("caf\u{e9}"), "/websocket/caf%C3%A9");
        assert_eq!(path_for(""), "/websocket/");
    }

    #[test]
    fn frames_get_a_content_type_only_when_the_event_has_none() {
        let mut text: Vec<(&str, &str)> = Vec::new();
        frame_content_type(&mut text, false);
        assert_eq!(text, [("content-type", "text/plain; charset=utf-8")]);
        let mut binary: Vec<(&str, &str)> = Vec::new();
        frame_content_type(&mut binary, true);
        assert_eq!(binary, [("content-type", "application/octet-stream")]);
        let mut named = vec![("Content-Type", "application/json")];
        frame_content_type(&mut named, false);
        assert_eq!(named, [("Content-Type", "application/json")]);
    }
}
