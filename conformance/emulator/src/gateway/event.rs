//! Building the event each trigger sends to Lambda.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::request::HttpRequest;
use super::time;
use super::Trigger;

/// The per-request values of an event that do not come from the HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    /// `requestContext.requestId`.
    pub request_id: String,
    /// `requestContext.accountId`.
    pub account_id: String,
    /// API id (REST/HTTP API) or URL id (Function URL).
    pub api_id: String,
    /// REST API stage (HTTP API and Function URLs use `$default`).
    pub stage: String,
    /// The region, used in domain names and the ALB target group ARN.
    pub region: String,
}

impl Default for EventContext {
    fn default() -> Self {
        Self {
            request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
            account_id: "123456789012".into(),
            api_id: "1234567890".into(),
            stage: "prod".into(),
            region: "us-east-1".into(),
        }
    }
}

/// The event `trigger` sends for `req`.
///
/// ```
/// use lwa_emulator::gateway::{build_event, EventContext, HttpRequest, Trigger};
/// let req = HttpRequest::new("GET", "/a?x=1&x=2").header("cookie", "a=1; b=2");
/// let event = build_event(Trigger::HttpApi, &req, &EventContext::default());
/// assert_eq!(event["rawQueryString"], "x=1&x=2");
/// assert_eq!(event["queryStringParameters"]["x"], "1,2");
/// assert_eq!(event["cookies"], serde_json::json!(["a=1", "b=2"]));
/// ```
pub fn build_event(trigger: Trigger, req: &HttpRequest, ctx: &EventContext) -> Value {
    match trigger {
        Trigger::Rest => rest(req, ctx),
        Trigger::HttpApi => v2(req, ctx, false),
        Trigger::FunctionUrl => v2(req, ctx, true),
        Trigger::Alb => alb(req, ctx, false),
        Trigger::AlbMulti => alb(req, ctx, true),
    }
}

fn body_fields(req: &HttpRequest) -> (Value, bool) {
    if req.body.is_empty() {
        return (Value::Null, false);
    }
    if req.body_is_text() {
        (Value::String(String::from_utf8_lossy(&req.body).into_owned()), false)
    } else {
        (Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body)), true)
    }
}

fn user_agent(req: &HttpRequest) -> Value {
    req.header_values("user-agent").last().map(|v| Value::String((*v).to_string())).unwrap_or(Value::Null)
}

/// Last value per key and all values per key, keys in first-seen order.
fn single_and_multi(pairs: &[(String, String)]) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), Value::String(v.clone()));
        match multi.get_mut(k) {
            Some(Value::Array(values)) => values.push(Value::String(v.clone())),
            _ => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    (single, multi)
}

fn or_null(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}

/// API Gateway REST API proxy integration, payload format 1.0.
fn rest(req: &HttpRequest, ctx: &EventContext) -> Value {
    let (headers, multi_headers) = single_and_multi(&req.headers);
    let (query, multi_query) = single_and_multi(&req.decoded_query_pairs());
    let (body, is_base64) = body_fields(req);
    let proxy = req.path.trim_start_matches('/').to_string();
    let time = req.time;
    json!({
        "resource": "/{proxy+}",
        "path": req.path,
        "httpMethod": req.method,
        "headers": or_null(headers),
        "multiValueHeaders": or_null(multi_headers),
        "queryStringParameters": or_null(query),
        "multiValueQueryStringParameters": or_null(multi_query),
        "pathParameters": {"proxy": proxy},
        "stageVariables": null,
        "requestContext": {
            "resourceId": "abcdef",
            "resourcePath": "/{proxy+}",
            "httpMethod": req.method,
            "extendedRequestId": format!("{}=", &ctx.request_id[..8.min(ctx.request_id.len())]),
            "requestTime": time::clf(time),
            "path": format!("/{}{}", ctx.stage, req.path),
            "accountId": ctx.account_id,
            "protocol": "HTTP/1.1",
            "stage": ctx.stage,
            "domainPrefix": ctx.api_id,
            "requestTimeEpoch": time::epoch_ms(time),
            "requestId": ctx.request_id,
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": req.source_ip.to_string(),
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": user_agent(req),
                "user": null
            },
            "domainName": format!("{}.execute-api.{}.amazonaws.com", ctx.api_id, ctx.region),
            "apiId": ctx.api_id
        },
        "body": body,
        "isBase64Encoded": is_base64
    })
}

/// HTTP API payload format 2.0, and the Function URL event (same shape).
fn v2(req: &HttpRequest, ctx: &EventContext, function_url: bool) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (k, v) in &req.headers {
        if k == "cookie" {
            cookies.extend(v.split(';').map(str::trim).filter(|c| !c.is_empty()).map(|c| Value::String(c.to_string())));
            continue;
        }
        match headers.get_mut(k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(v);
            }
            _ => {
                headers.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    let mut query = Map::new();
    for (k, v) in req.decoded_query_pairs() {
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let (body, is_base64) = body_fields(req);
    let domain = if function_url {
        format!("{}.lambda-url.{}.on.aws", ctx.api_id, ctx.region)
    } else {
        format!("{}.execute-api.{}.amazonaws.com", ctx.api_id, ctx.region)
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": req.path,
        "rawQueryString": req.query,
        "headers": headers,
        "requestContext": {
            "accountId": ctx.account_id,
            "apiId": ctx.api_id,
            "domainName": domain,
            "domainPrefix": ctx.api_id,
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": "HTTP/1.1",
                "sourceIp": req.source_ip.to_string(),
                "userAgent": user_agent(req)
            },
            "requestId": ctx.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": time::clf(req.time),
            "timeEpoch": time::epoch_ms(req.time)
        },
        "isBase64Encoded": is_base64
    });
    let Some(obj) = event.as_object_mut() else {
        return event;
    };
    if !cookies.is_empty() {
        obj.insert("cookies".into(), Value::Array(cookies));
    }
    if !query.is_empty() {
        obj.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !body.is_null() {
        obj.insert("body".into(), body);
    }
    if function_url {
        obj.insert("pathParameters".into(), Value::Null);
        obj.insert("stageVariables".into(), Value::Null);
        if let Some(rc) = obj.get_mut("requestContext").and_then(Value::as_object_mut) {
            rc.insert("authentication".into(), Value::Null);
        }
    }
    event
}

/// ALB target group event, with or without multi-value headers.
fn alb(req: &HttpRequest, ctx: &EventContext, multi: bool) -> Value {
    let (headers, multi_headers) = single_and_multi(&req.headers);
    let (query, multi_query) = single_and_multi(&req.raw_query_pairs());
    let (body, is_base64) = body_fields(req);
    let mut event = json!({
        "requestContext": {
            "elb": {
                "targetGroupArn": format!(
                    "arn:aws:elasticloadbalancing:{}:{}:targetgroup/lambda-conformance/49e9d65c45c6791a",
                    ctx.region, ctx.account_id
                )
            }
        },
        "httpMethod": req.method,
        "path": req.path,
        "body": if body.is_null() { Value::String(String::new()) } else { body },
        "isBase64Encoded": is_base64
    });
    if let Some(obj) = event.as_object_mut() {
        if multi {
            obj.insert("multiValueQueryStringParameters".into(), Value::Object(multi_query));
            obj.insert("multiValueHeaders".into(), Value::Object(multi_headers));
        } else {
            obj.insert("queryStringParameters".into(), Value::Object(query));
            obj.insert("headers".into(), Value::Object(headers));
        }
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> HttpRequest {
        HttpRequest::new("POST", "/api/a%2Fb?tag=x&tag=y%20z&q=1")
            .header("accept", "text/html")
            .header("x-multi", "1")
            .header("x-multi", "2")
            .header("cookie", "a=1; b=2")
            .header("user-agent", "test-agent")
            .header("content-type", "application/json")
            .body(r#"{"k":"v"}"#)
    }

    #[test]
    fn rest_event() {
        let e = build_event(Trigger::Rest, &req(), &EventContext::default());
        assert_eq!(e["path"], "/api/a%2Fb");
        assert_eq!(e["httpMethod"], "POST");
        assert_eq!(e["headers"]["x-multi"], "2");
        assert_eq!(e["multiValueHeaders"]["x-multi"], json!(["1", "2"]));
        assert_eq!(e["queryStringParameters"]["tag"], "y z");
        assert_eq!(e["multiValueQueryStringParameters"]["tag"], json!(["x", "y z"]));
        assert_eq!(e["requestContext"]["stage"], "prod");
        assert_eq!(e["requestContext"]["path"], "/prod/api/a%2Fb");
        assert_eq!(e["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
        assert_eq!(e["requestContext"]["identity"]["userAgent"], "test-agent");
        assert_eq!(e["body"], r#"{"k":"v"}"#);
        assert_eq!(e["isBase64Encoded"], false);
        let empty = build_event(Trigger::Rest, &HttpRequest::new("GET", "/"), &EventContext::default());
        assert_eq!(empty["queryStringParameters"], Value::Null);
        assert_eq!(empty["body"], Value::Null);
    }

    #[test]
    fn http_api_event() {
        let e = build_event(Trigger::HttpApi, &req(), &EventContext::default());
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["rawPath"], "/api/a%2Fb");
        assert_eq!(e["rawQueryString"], "tag=x&tag=y%20z&q=1");
        assert_eq!(e["queryStringParameters"]["tag"], "x,y z");
        assert_eq!(e["headers"]["x-multi"], "1,2");
        assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["requestContext"]["http"]["method"], "POST");
        assert_eq!(e["requestContext"]["stage"], "$default");
        assert!(e.get("pathParameters").is_none());
        let url = build_event(Trigger::FunctionUrl, &req(), &EventContext::default());
        assert_eq!(url["pathParameters"], Value::Null);
        assert!(url["requestContext"]["domainName"]
            .as_str()
            .is_some_and(|d| d.ends_with(".lambda-url.us-east-1.on.aws")));
        let bare = build_event(Trigger::HttpApi, &HttpRequest::new("GET", "/"), &EventContext::default());
        assert!(bare.get("body").is_none() && bare.get("cookies").is_none());
        assert_eq!(bare["rawQueryString"], "");
    }

    #[test]
    fn alb_events() {
        let e = build_event(Trigger::Alb, &req(), &EventContext::default());
        assert_eq!(e["queryStringParameters"]["tag"], "y%20z");
        assert_eq!(e["headers"]["x-multi"], "2");
        assert!(e.get("multiValueHeaders").is_none());
        let m = build_event(Trigger::AlbMulti, &req(), &EventContext::default());
        assert_eq!(m["multiValueQueryStringParameters"]["tag"], json!(["x", "y%20z"]));
        assert_eq!(m["multiValueHeaders"]["x-multi"], json!(["1", "2"]));
        assert!(m.get("headers").is_none());
        let empty = build_event(Trigger::Alb, &HttpRequest::new("GET", "/"), &EventContext::default());
        assert_eq!(empty["body"], "");
    }

    #[test]
    fn binary_bodies_are_base64() {
        let r = HttpRequest::new("POST", "/")
            .header("content-type", "application/octet-stream")
            .body(vec![0u8, 159, 146, 150]);
        for t in Trigger::ALL {
            let e = build_event(t, &r, &EventContext::default());
            assert_eq!(e["isBase64Encoded"], true, "{t}");
            assert_eq!(e["body"], "AJ+Slg==", "{t}");
        }
    }
}
