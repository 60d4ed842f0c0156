//! The response side: what Lambda must receive when the sample apps' contract fixes the
//! app's answer (status, headers and cookies in the source's fields, the body).

use base64::Engine;
use serde_json::Value;

use super::{Broken, BASE64};
use crate::echo_app::Received;

/// The body of an answer the contract fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnswerBody {
    /// This UTF-8 text.
    Text(&'static str),
    /// The echo document: JSON describing the request.
    Echo,
    /// The 1x1 PNG of `/binary` (standard base64).
    Png,
    /// No body at all.
    Empty,
}

/// What the echo app answers to a request, where the contract (`sample-apps/CONTRACT.md`)
/// fixes it whatever else the request holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: Option<&'static str>,
    body: AnswerBody,
    /// Other headers, a repeated one as several pairs in order.
    headers: &'static [(&'static str, &'static str)],
    /// The `set-cookie` lines, in order.
    cookies: &'static [&'static str],
}

impl Answer {
    const fn plain(status: u16, content_type: &'static str, body: AnswerBody) -> Self {
        Self { status, content_type: Some(content_type), body, headers: &[], cookies: &[] }
    }
}

/// The contract's answer to `app`'s request: the echo route (`200`, JSON) for any method,
/// the fixed `GET` routes (`/`, `/cookies`, `/headers/multi`, `/binary`, `/redirect`), and
/// anything that is no route, those paths with another method included (`404`,
/// `text/plain`, `not found`). `None` for `HEAD` and for
/// the routes whose answer depends on the request or the time (`/status`, `/big`,
/// `/stream`, `/slow`, `/context`, `/events`, ...).
fn known_answer(app: &Received) -> Option<Answer> {
    const OTHER_ROUTES: [&str; 8] = ["/big", "/stream", "/empty", "/gzip", "/events", "/slow", "/context", "/status"];
    let path = app.path.as_str();
    if app.method == "HEAD" {
        return None;
    }
    if path == "/echo" || path.starts_with("/echo/") {
        return Some(Answer::plain(200, "application/json", AnswerBody::Echo));
    }
    let get = app.method == "GET";
    Some(match path {
        "/" if get => Answer::plain(200, "text/plain", AnswerBody::Text("ok")),
        "/cookies" if get => Answer {
            cookies: &["a=1; Path=/", "b=2; Path=/; HttpOnly", "c=3; Path=/; Secure; SameSite=Strict"],
            ..Answer::plain(200, "application/json", AnswerBody::Text(r#"{"cookies":3}"#))
        },
        "/headers/multi" if get => Answer {
            headers: &[("x-multi", "one"), ("x-multi", "two")],
            ..Answer::plain(200, "text/plain", AnswerBody::Text("multi"))
        },
        "/binary" if get => Answer::plain(200, "image/png", AnswerBody::Png),
        "/redirect" if get => Answer {
            status: 302,
            content_type: None,
            body: AnswerBody::Empty,
            headers: &[("location", "/echo/redirected")],
            cookies: &[],
        },
        _ if OTHER_ROUTES.contains(&path) || path.starts_with("/status/") => return None,
        _ => Answer::plain(404, "text/plain", AnswerBody::Text("not found")),
    })
}

/// Where a source's response carries its headers, by the AWS documentation of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fields {
    /// HTTP API 2.0 and Function URLs: `headers` (repeated values joined) and `cookies`.
    V2,
    /// REST and HTTP API 1.0: every value in `multiValueHeaders`.
    Rest,
    /// An ALB target group with multi-value headers: every value in `multiValueHeaders`.
    AlbMulti,
    /// An ALB target group without: one value per name in `headers`.
    AlbSingle,
}

impl Fields {
    /// The rule that makes a repeated header (or every cookie) arrive whole in this format.
    fn repeated_rule(self) -> Option<&'static str> {
        match self {
            Self::V2 => Some("RESP-V2-HEADERS-JOINED"),
            Self::Rest => Some("RESP-V1-MULTI-VALUE-HEADERS"),
            Self::AlbMulti => Some("RESP-ALB-MULTI-VALUE-ALL"),
            // One value per name: what becomes of a repeated one is a REFERENCE choice.
            Self::AlbSingle => None,
        }
    }
}

/// Every value Lambda's response holds for header `name` (any case): the `multiValueHeaders`
/// list when the format reads that, else the `headers` value (split at `,` when `split`).
fn response_values(fields: Fields, lambda: &Value, name: &str, split: bool) -> Vec<String> {
    let find = |map: &str| {
        lambda.get(map).and_then(Value::as_object).and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
    };
    let multi = find("multiValueHeaders")
        .and_then(|(_, v)| v.as_array())
        .map(|vs| vs.iter().filter_map(Value::as_str).map(str::to_owned).collect::<Vec<_>>());
    let single = || {
        find("headers").and_then(|(_, v)| v.as_str()).map_or_else(Vec::new, |v| {
            if split {
                v.split(',').map(|p| p.trim().to_owned()).collect()
            } else {
                vec![v.to_owned()]
            }
        })
    };
    match fields {
        Fields::V2 | Fields::AlbSingle => single(),
        Fields::AlbMulti => multi.unwrap_or_default(),
        // REST merges the two maps; a value only in `headers` still reaches the client.
        Fields::Rest => multi.filter(|m| !m.is_empty()).unwrap_or_else(single),
    }
}

/// What Lambda received for an HTTP event whose app answer the contract fixes: the status,
/// the content type and other headers (`RESP-STATUS-BODY`), the body as text or base64 by
/// the text rule (`RESP-BODY-TEXT`, `RESP-BODY-BINARY-BASE64`), and repeated headers and
/// cookies whole in the fields the source reads (`RESP-V2-COOKIES`,
/// `RESP-V2-HEADERS-JOINED`, `RESP-V1-MULTI-VALUE-HEADERS`, `RESP-ALB-MULTI-VALUE-ALL`).
pub(super) fn check_answer(fields: Fields, app: &Received, lambda: &Value) -> Vec<Broken> {
    let Some(answer) = known_answer(app) else { return Vec::new() };
    let mut broken = Vec::new();
    if lambda.get("statusCode").and_then(Value::as_u64) != Some(u64::from(answer.status)) {
        broken.push((
            "RESP-STATUS-BODY",
            format!(
                "the app answered {}, Lambda received statusCode {}",
                answer.status,
                show(lambda.get("statusCode"))
            ),
        ));
    }
    broken.extend(check_body(answer.body, lambda));
    let mut expected: Vec<(&str, Vec<&str>)> = Vec::new();
    if let Some(content_type) = answer.content_type {
        expected.push(("content-type", vec![content_type]));
    }
    for (name, value) in answer.headers {
        match expected.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(value),
            None => expected.push((name, vec![value])),
        }
    }
    for (name, values) in expected {
        let repeated = values.len() > 1;
        let rule = match (repeated, fields.repeated_rule()) {
            // A multi-value target group reads `multiValueHeaders` only, one value or more.
            (false, _) if fields == Fields::AlbMulti => "RESP-ALB-MULTI-VALUE-ALL",
            (false, _) => "RESP-STATUS-BODY",
            (true, Some(rule)) => rule,
            (true, None) => continue,
        };
        let got = response_values(fields, lambda, name, repeated);
        if got != values {
            broken.push((rule, format!("the app answered {name}: {values:?}, Lambda received {got:?}")));
        }
    }
    if !answer.cookies.is_empty() {
        let (rule, got) = match fields {
            Fields::V2 => {
                let in_headers = response_values(fields, lambda, "set-cookie", false);
                if !in_headers.is_empty() {
                    broken.push(("RESP-V2-COOKIES", format!("set-cookie left in headers: {in_headers:?}")));
                }
                let cookies = lambda
                    .get("cookies")
                    .and_then(Value::as_array)
                    .map_or_else(Vec::new, |c| c.iter().filter_map(Value::as_str).map(str::to_owned).collect());
                ("RESP-V2-COOKIES", cookies)
            }
            Fields::Rest => ("RESP-V1-MULTI-VALUE-HEADERS", response_values(fields, lambda, "set-cookie", false)),
            Fields::AlbMulti => ("RESP-ALB-MULTI-VALUE-ALL", response_values(fields, lambda, "set-cookie", false)),
            Fields::AlbSingle => return broken,
        };
        if got != answer.cookies {
            broken.push((rule, format!("the app set the cookies {:?}, Lambda received {got:?}", answer.cookies)));
        }
    }
    broken
}

/// The body Lambda received against the body the app sent.
fn check_body(body: AnswerBody, lambda: &Value) -> Option<Broken> {
    let text = lambda.get("body").and_then(Value::as_str);
    let base64 = lambda.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let broken = |rule, why: String| Some((rule, why));
    match body {
        AnswerBody::Png => {
            let png = BASE64.decode(crate::echo_app::PNG_BASE64).unwrap_or_default();
            if !base64 {
                return broken(
                    "RESP-BODY-BINARY-BASE64",
                    "the app's image/png answer was not sent base64-encoded".into(),
                );
            }
            let got = text.and_then(|t| BASE64.decode(t).ok());
            (got.as_deref() != Some(png.as_slice())).then(|| {
                ("RESP-BODY-BINARY-BASE64", format!("the app's {}-byte PNG is not the body Lambda received", png.len()))
            })
        }
        _ if base64 => broken("RESP-BODY-TEXT", format!("the app's text answer {body:?} was sent base64-encoded")),
        AnswerBody::Text(expected) => (text != Some(expected)).then(|| {
            ("RESP-BODY-TEXT", format!("the app answered {expected:?}, Lambda received {}", show(lambda.get("body"))))
        }),
        AnswerBody::Empty => (!text.unwrap_or_default().is_empty()).then(|| {
            ("RESP-STATUS-BODY", format!("the app's answer has no body, Lambda received {}", show(lambda.get("body"))))
        }),
        AnswerBody::Echo => {
            let echo = text.and_then(|t| serde_json::from_str::<Value>(t).ok());
            echo.and_then(|v| v.get("method").cloned())
                .is_none()
                .then(|| ("RESP-BODY-TEXT", "the app's JSON echo is not the body Lambda received".to_owned()))
        }
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "nothing".to_owned(), Value::to_string)
}

#[cfg(test)]
mod tests {
    use crate::derive::check;
    use crate::derive::tests::{received, rules};

    #[test]
    fn lambda_gets_the_contracts_fixed_answers_in_the_sources_fields() {
        let v2 = br#"{"version":"2.0","rawPath":"/nowhere","requestContext":{"http":{"method":"GET"}}}"#;
        let app = received("GET", "/nowhere", "", b"");
        let good = serde_json::json!({"statusCode": 404, "headers": {"content-type": "text/plain"}, "body": "not found", "isBase64Encoded": false});
        assert!(check("apigw-v2/e.json", v2, Some(&app), Some(&good)).is_empty());
        let bad =
            serde_json::json!({"statusCode": 200, "headers": {}, "body": "bm90IGZvdW5k", "isBase64Encoded": true});
        assert_eq!(
            rules(&check("apigw-v2/e.json", v2, Some(&app), Some(&bad))),
            ["RESP-STATUS-BODY", "RESP-BODY-TEXT", "RESP-STATUS-BODY"]
        );
        // REST: the content type may be in multiValueHeaders only; the echo route answers JSON.
        let v1 = br#"{"httpMethod":"POST","path":"/echo/x","requestContext":{}}"#;
        let echo = received("POST", "/echo/x", "", b"");
        let answer = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["application/json"]},
            "body": "{\"method\":\"POST\"}", "isBase64Encoded": false});
        assert!(check("apigw-v1/e.json", v1, Some(&echo), Some(&answer)).is_empty());
        // Routes whose answer depends on the request, and HEAD, are not derived.
        let head = received("HEAD", "/nowhere", "", b"");
        let v2_head = br#"{"version":"2.0","rawPath":"/nowhere","requestContext":{"http":{"method":"HEAD"}}}"#;
        assert!(check("apigw-v2/e.json", v2_head, Some(&head), Some(&bad)).is_empty());
    }

    #[test]
    fn repeated_headers_and_cookies_arrive_whole_in_each_sources_fields() {
        let v2 = br#"{"version":"2.0","rawPath":"/cookies","requestContext":{"http":{"method":"GET"}}}"#;
        let cookies = received("GET", "/cookies", "", b"");
        let body = r#"{"cookies":3}"#;
        let jar = ["a=1; Path=/", "b=2; Path=/; HttpOnly", "c=3; Path=/; Secure; SameSite=Strict"];
        let good = serde_json::json!({"statusCode": 200, "headers": {"content-type": "application/json"},
            "cookies": jar, "body": body});
        assert!(check("function-url/e.json", v2, Some(&cookies), Some(&good)).is_empty());
        let in_headers = serde_json::json!({"statusCode": 200, "cookies": [],
            "headers": {"content-type": "application/json", "set-cookie": jar.join(", ")}, "body": body});
        assert_eq!(
            rules(&check("apigw-v2/e.json", v2, Some(&cookies), Some(&in_headers))),
            ["RESP-V2-COOKIES", "RESP-V2-COOKIES"]
        );

        let rest = br#"{"httpMethod":"GET","path":"/headers/multi","requestContext":{}}"#;
        let multi = received("GET", "/headers/multi", "", b"");
        let both = serde_json::json!({"statusCode": 200, "headers": {"content-type": "text/plain", "x-multi": "two"},
            "multiValueHeaders": {"Content-Type": ["text/plain"], "X-Multi": ["one", "two"]}, "body": "multi"});
        assert!(check("apigw-v1/e.json", rest, Some(&multi), Some(&both)).is_empty());
        assert!(check("httpapi-v1/e.json", rest, Some(&multi), Some(&both)).is_empty());
        let last_only = serde_json::json!({"statusCode": 200, "headers": {"content-type": "text/plain", "x-multi": "two"},
            "body": "multi"});
        assert_eq!(
            rules(&check("apigw-v1/e.json", rest, Some(&multi), Some(&last_only))),
            ["RESP-V1-MULTI-VALUE-HEADERS"]
        );
        let joined = serde_json::json!({"statusCode": 200, "headers": {"content-type": "text/plain", "x-multi": "one, two"},
            "body": "multi"});
        let v2_multi = br#"{"version":"2.0","rawPath":"/headers/multi","requestContext":{"http":{"method":"GET"}}}"#;
        assert!(check("apigw-v2/e.json", v2_multi, Some(&multi), Some(&joined)).is_empty());
        assert_eq!(
            rules(&check("apigw-v2/e.json", v2_multi, Some(&multi), Some(&last_only))),
            ["RESP-V2-HEADERS-JOINED"]
        );

        // ALB: the request's mode says which map the load balancer reads.
        let alb_multi =
            br#"{"httpMethod":"GET","path":"/headers/multi","multiValueHeaders":{},"requestContext":{"elb":{}}}"#;
        let alb_single = br#"{"httpMethod":"GET","path":"/headers/multi","headers":{},"requestContext":{"elb":{}}}"#;
        assert_eq!(
            rules(&check("alb/e.json", alb_multi, Some(&multi), Some(&joined))),
            ["RESP-ALB-MULTI-VALUE-ALL", "RESP-ALB-MULTI-VALUE-ALL"],
            "neither the content type nor x-multi is where the load balancer reads"
        );
        assert!(check("alb/e.json", alb_multi, Some(&multi), Some(&both)).is_empty());
        assert!(
            check("alb/e.json", alb_single, Some(&multi), Some(&last_only)).is_empty(),
            "one value per name: a REFERENCE choice"
        );
    }

    #[test]
    fn binary_bodies_and_redirects_are_derived_too() {
        let event = br#"{"httpMethod":"GET","path":"/binary","requestContext":{}}"#;
        let app = received("GET", "/binary", "", b"");
        let png = crate::echo_app::PNG_BASE64;
        let good = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["image/png"]},
            "body": png, "isBase64Encoded": true});
        assert!(check("apigw-v1/e.json", event, Some(&app), Some(&good)).is_empty());
        let as_text = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["image/png"]},
            "body": "\u{fffd}PNG", "isBase64Encoded": false});
        assert_eq!(rules(&check("apigw-v1/e.json", event, Some(&app), Some(&as_text))), ["RESP-BODY-BINARY-BASE64"]);
        let truncated = serde_json::json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["image/png"]},
            "body": &png[..40], "isBase64Encoded": true});
        assert_eq!(rules(&check("apigw-v1/e.json", event, Some(&app), Some(&truncated))), ["RESP-BODY-BINARY-BASE64"]);

        let event = br#"{"version":"2.0","rawPath":"/redirect","requestContext":{"http":{"method":"GET"}}}"#;
        let app = received("GET", "/redirect", "", b"");
        let good = serde_json::json!({"statusCode": 302, "headers": {"location": "/echo/redirected"}, "body": ""});
        assert!(check("apigw-v2/e.json", event, Some(&app), Some(&good)).is_empty());
        let lost = serde_json::json!({"statusCode": 301, "headers": {}, "body": "moved"});
        assert_eq!(
            rules(&check("apigw-v2/e.json", event, Some(&app), Some(&lost))),
            ["RESP-STATUS-BODY", "RESP-STATUS-BODY", "RESP-STATUS-BODY"]
        );
        // The same paths with another method are no route: 404.
        let post = received("POST", "/redirect", "", b"");
        let event = br#"{"version":"2.0","rawPath":"/redirect","requestContext":{"http":{"method":"POST"}}}"#;
        assert_eq!(rules(&check("apigw-v2/e.json", event, Some(&post), Some(&good))).len(), 3);
    }
}
