//! Observations made comparable: ports, request ids, deadlines, dates and durations
//! redacted, bodies shown parsed or fingerprinted.

use super::*;

/// What the app received, without what changes from run to run. Every header the adapter
/// sent is kept (`user-agent` and `date` too: only the client's event carries them,
/// nothing on the way adds or changes them, and an adapter that does must fail), except
/// `x-amzn-lambda-context`, shown apart as `lambda_context` with its request id and
/// deadline redacted.
pub(super) fn normalise_app(request: &Received) -> Value {
    let mut headers: Vec<Value> = request
        .headers
        .iter()
        .filter(|(k, _)| k != "x-amzn-lambda-context")
        .map(|(k, v)| {
            let shown = if k == "x-amzn-request-context" {
                serde_json::from_str::<Value>(v).unwrap_or(Value::String(v.clone()))
            } else if k == "host" && v.starts_with("127.0.0.1:") {
                // The app's own address (events without a host), a new port every run.
                Value::String("127.0.0.1:[port]".to_owned())
            } else {
                Value::String(v.clone())
            };
            json!([k, shown])
        })
        .collect();
    headers.sort_by_key(|h| h[0].as_str().unwrap_or("").to_owned());
    let lambda_context =
        request.header("x-amzn-lambda-context").and_then(|v| serde_json::from_str::<Value>(&v).ok()).map(|mut v| {
            for volatile in ["request_id", "deadline"] {
                if let Some(field) = v.get_mut(volatile) {
                    *field = Value::String(format!("[{volatile}]"));
                }
            }
            v
        });
    let body = match std::str::from_utf8(&request.body) {
        Ok(text) if text.len() <= 2048 => json!(text),
        _ => json!({ "len": request.body.len(), "sha256_prefix": digest_prefix(&request.body) }),
    };
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": headers,
        "lambda_context": lambda_context,
        "body": body,
    })
}

/// A short, stable fingerprint of a body (not cryptographic: FNV-1a 64).
pub(super) fn digest_prefix(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `947 ms` becomes `N ms`: time left at a timeout differs from run to run.
pub(super) fn redact_durations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(if text[i..].starts_with(" ms") { "N" } else { &digits });
            digits.clear();
        }
        out.push(c);
    }
    out.push_str(&digits);
    out
}

pub(super) fn normalise_lambda(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(Value::String(message)) = value.get_mut("errorMessage") {
        *message = redact_durations(message);
    }
    for key in ["headers", "multiValueHeaders"] {
        if let Some(Value::Object(map)) = value.get_mut(key) {
            map.remove("date");
        }
    }
    // An echo answer carries this run's request id and deadline: show it parsed, redacted.
    if let Some(body) = value.get_mut("body") {
        if let Some(echo) = body.as_str().and_then(|b| serde_json::from_str::<Value>(b).ok()).and_then(redact_echo) {
            *body = json!({ "echo": echo });
        }
    }
    value
}

/// The echo app's answer with the volatile parts of its header list redacted.
pub(super) fn redact_echo(mut echo: Value) -> Option<Value> {
    let headers = echo.get_mut("headers")?.as_array_mut()?;
    for pair in headers.iter_mut() {
        let Some([name, value]) = pair.as_array_mut().map(|p| p.as_mut_slice()) else { continue };
        match (name.as_str(), value.as_str()) {
            (Some("x-amzn-lambda-context"), Some(text)) => {
                if let Ok(mut context) = serde_json::from_str::<Value>(text) {
                    for volatile in ["request_id", "deadline"] {
                        if let Some(field) = context.get_mut(volatile) {
                            *field = Value::String(format!("[{volatile}]"));
                        }
                    }
                    *value = context;
                }
            }
            (Some("host"), Some(text)) if text.starts_with("127.0.0.1:") => *value = json!("127.0.0.1:[port]"),
            _ => {}
        }
    }
    Some(echo)
}

/// The observation without what changes from run to run (request ids, deadlines, dates).
pub fn normalise(seen: &Observation) -> Value {
    json!({
        "outcome": seen.outcome,
        "error_type": seen.error_type,
        "lambda": seen.lambda.as_ref().map(normalise_lambda),
        "stream": seen.stream.as_ref().map(|s| json!({
            "prelude": s.prelude.as_ref().map(normalise_lambda),
            "body": String::from_utf8(s.body.to_vec()).unwrap_or_else(|e| base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
            "error_type": s.error_type,
        })),
        "app": seen.app.iter().map(normalise_app).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_millisecond_counts_are_redacted() {
        assert_eq!(redact_durations("timed out: 947 ms left of 3000 ms"), "timed out: N ms left of N ms");
        assert_eq!(redact_durations("status 504 after 2 s"), "status 504 after 2 s");
        assert_eq!(redact_durations("ends with 12"), "ends with 12");
        assert_eq!(redact_durations("12ms glued"), "12ms glued");
    }

    #[test]
    fn body_fingerprints_are_stable_and_distinct() {
        assert_eq!(digest_prefix(b""), "cbf29ce484222325");
        assert_eq!(digest_prefix(b"a"), digest_prefix(b"a"));
        assert_ne!(digest_prefix(b"a"), digest_prefix(b"b"));
    }

    #[test]
    fn lambda_answers_lose_dates_and_show_echoes_redacted() {
        let context = r#"{"request_id":"r-1","deadline":17,"invoked_function_arn":"arn"}"#;
        let echo = json!({"method": "GET", "headers": [["host", "127.0.0.1:4321"], ["x-amzn-lambda-context", context], ["accept", "*/*"]]});
        let answer = json!({
            "statusCode": 200,
            "headers": {"date": "Tue, 01 Dec 2026 17:00:00 GMT", "content-type": "application/json"},
            "multiValueHeaders": {"date": ["x"], "x-a": ["1"]},
            "body": echo.to_string(),
            "errorMessage": "waited 950 ms",
        });
        let shown = normalise_lambda(&answer);
        assert_eq!(shown["headers"], json!({"content-type": "application/json"}));
        assert_eq!(shown["multiValueHeaders"], json!({"x-a": ["1"]}));
        assert_eq!(shown["errorMessage"], "waited N ms");
        let headers = &shown["body"]["echo"]["headers"];
        assert_eq!(headers[0], json!(["host", "127.0.0.1:[port]"]));
        assert_eq!(
            headers[1][1],
            json!({"request_id": "[request_id]", "deadline": "[deadline]", "invoked_function_arn": "arn"})
        );
        assert_eq!(headers[2], json!(["accept", "*/*"]));
        // A body that is not an echo stays as it is.
        assert_eq!(normalise_lambda(&json!({"body": "plain"}))["body"], "plain");
    }

    fn received(headers: &[(&str, &str)]) -> Received {
        Received {
            request_id: Some("r-1".into()),
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            target: "/".into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: bytes::Bytes::new(),
        }
    }

    // Regression (issue 19): user-agent was left out of every observation, so an adapter
    // that rewrote, dropped or added it passed. Nothing between the event and the app
    // sets it (the adapter's client adds none, the recording proxy forwards it as is).
    #[test]
    fn the_user_agent_the_app_received_is_compared() {
        let client = normalise_app(&received(&[("accept", "*/*"), ("user-agent", "python-requests/2.32.3")]));
        assert_eq!(client["headers"], json!([["accept", "*/*"], ["user-agent", "python-requests/2.32.3"]]));
        for other in
            [received(&[("accept", "*/*"), ("user-agent", "lambda-adapter/0.1")]), received(&[("accept", "*/*")])]
        {
            let differences = compare(&client, &normalise_app(&other));
            assert!(differences.iter().any(|d| d.contains("python-requests/2.32.3")), "{differences:?}");
        }
        let added = compare(&normalise_app(&received(&[("accept", "*/*")])), &client);
        assert!(added.iter().any(|d| d.contains("python-requests/2.32.3")), "{added:?}");
    }
}
