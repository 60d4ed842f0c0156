//! The cross-talk checks: every answer must show its own invocation's values everywhere
//! ([`check`]) and no other invocation's marker anywhere ([`foreign_markers`]).

use base64::Engine as _;
use lwa_emulator::Outcome;
use serde_json::Value;

use super::{Probe, Source};
use crate::session;

/// Every marker in `bytes` other than `own`.
///
/// ```
/// use lwa_benches::soak::foreign_markers;
/// let text = b"/echo/soak/SOAK000000042?m=SOAK000000042 x SOAK000000043 SOAK12";
/// assert_eq!(foreign_markers(text, "SOAK000000042"), vec!["SOAK000000043".to_owned()]);
/// ```
pub fn foreign_markers(bytes: &[u8], own: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].windows(4).position(|w| w == b"SOAK") {
        let start = at + offset;
        let digits = &bytes[start + 4..bytes.len().min(start + 13)];
        if digits.len() == 9 && digits.iter().all(u8::is_ascii_digit) {
            let candidate = String::from_utf8_lossy(&bytes[start..start + 13]).into_owned();
            if candidate != own && !found.contains(&candidate) {
                found.push(candidate);
            }
        }
        at = start + 4;
    }
    found
}

/// How an answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A buffered response.
    Buffered,
    /// A streamed response.
    Streamed,
}

/// Checks the answer to `probe`: a 200 from the echo app showing exactly this
/// invocation's method, path, query, marker header, cookie, body and context (its
/// `request_id` in `x-amzn-lambda-context`), and no other invocation's marker anywhere
/// in the answer. Every problem found is listed.
pub fn check(probe: &Probe, request_id: Option<&str>, outcome: &Outcome) -> Result<Delivery, Vec<String>> {
    let mut problems = Vec::new();
    let (delivery, app_body) = match unwrap_answer(probe, outcome) {
        Ok(answer) => answer,
        Err(problem) => return Err(vec![problem]),
    };
    // Foreign markers anywhere in what came back: the raw answer (the envelope or prelude
    // and the echo's JSON), then the echoed body, which the echo carries in base64.
    let mut raw = outcome.body().map(|b| b.to_vec()).unwrap_or_default();
    if let Outcome::Streamed { prelude: Some(prelude), .. } = outcome {
        raw.extend(prelude.to_string().into_bytes());
    }
    let echo: Value = match serde_json::from_slice(&app_body) {
        Ok(echo) => echo,
        Err(err) => {
            problems.push(format!("the app's answer is not the echo's JSON ({err}): {}", snippet(&app_body)));
            report_foreign(&mut problems, "the answer", &raw, &probe.marker);
            return Err(problems);
        }
    };
    let echoed_body = echo["body"]
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| {
            problems.push("the echo has no base64 body".to_owned());
            Vec::new()
        });
    report_foreign(&mut problems, "the answer", &raw, &probe.marker);
    report_foreign(&mut problems, "the body the app received", &echoed_body, &probe.marker);

    let mut expect = |what: &str, got: &str, want: &str| {
        if got != want {
            problems.push(format!("{what}: expected {want:?}, got {:?}", clip(got)));
        }
    };
    expect("method", echo["method"].as_str().unwrap_or_default(), probe.method);
    expect("path", echo["path"].as_str().unwrap_or_default(), &probe.path);
    let mut query = query_pairs(echo["query"].as_str().unwrap_or_default());
    query.sort();
    let mut want_query = probe.query.clone();
    want_query.sort();
    if query != want_query {
        problems.push(format!("query: expected {want_query:?}, got {:?}", echo["query"]));
    }
    if echoed_body != probe.body {
        problems.push(format!(
            "body: expected {} bytes ({}), got {} bytes ({})",
            probe.body.len(),
            snippet(&probe.body),
            echoed_body.len(),
            snippet(&echoed_body)
        ));
    }

    let headers: Vec<(String, String)> = echo["headers"]
        .as_array()
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| Some((p.get(0)?.as_str()?.to_owned(), p.get(1)?.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let values = |name: &str| -> Vec<&str> {
        headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    };
    if probe.source != Source::PassThrough {
        let marker_header = values("x-soak-marker");
        if marker_header != [probe.marker.as_str()] {
            problems.push(format!("x-soak-marker: expected [{:?}], got {marker_header:?}", probe.marker));
        }
        let cookies = values("cookie").join("; ");
        if !cookies.split(';').any(|c| c.trim() == format!("soak={}", probe.marker)) {
            problems.push(format!("cookie: expected soak={}, got {:?}", probe.marker, clip(&cookies)));
        }
    }
    match (values("x-amzn-lambda-context").as_slice(), request_id) {
        (_, None) => problems.push("the emulator gave no request id".to_owned()),
        ([one], Some(request_id)) => match serde_json::from_str::<Value>(one) {
            Ok(context) => {
                if context["request_id"] != request_id {
                    problems.push(format!(
                        "x-amzn-lambda-context request_id: expected {request_id:?}, got {}",
                        context["request_id"]
                    ));
                }
                // Optional fields (an adapter may leave them out), but never another's.
                let mut field = |name: &str, got: &Value, want: &str| match got {
                    Value::Null => {}
                    Value::String(got) if got == want => {}
                    other => problems.push(format!("x-amzn-lambda-context {name}: expected {want:?}, got {other}")),
                };
                field("xray_trace_id", &context["xray_trace_id"], &probe.trace_id);
                field("tenant_id", &context["tenant_id"], &probe.marker);
                field("client_context.custom.soak", &context["client_context"]["custom"]["soak"], &probe.marker);
            }
            Err(err) => problems.push(format!("x-amzn-lambda-context is not JSON ({err}): {}", clip(one))),
        },
        (other, Some(_)) => problems.push(format!("x-amzn-lambda-context: expected one, got {other:?}")),
    }
    if probe.source.has_request_id() {
        match values("x-amzn-request-context").as_slice() {
            [one] => {
                let id =
                    serde_json::from_str::<Value>(one).ok().and_then(|c| c["requestId"].as_str().map(str::to_owned));
                if id.as_deref() != Some(probe.marker.as_str()) {
                    problems.push(format!("x-amzn-request-context requestId: expected {:?}, got {id:?}", probe.marker));
                }
            }
            other => problems.push(format!("x-amzn-request-context: expected one, got {other:?}")),
        }
    }
    for (name, want) in [("x-amzn-trace-id", &probe.trace_id), ("x-amz-tenant-id", &probe.marker)] {
        let got = values(name);
        if !got.is_empty() && got != [want.as_str()] {
            problems.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    if problems.is_empty() {
        Ok(delivery)
    } else {
        Err(problems)
    }
}

/// The app's response body inside the outcome: the streamed body after a 200 prelude, the
/// body of a 200 in Lambda's HTTP format, or a pass-through answer as is.
fn unwrap_answer(probe: &Probe, outcome: &Outcome) -> Result<(Delivery, Vec<u8>), String> {
    match outcome {
        Outcome::Streamed { error: Some(error), .. } => {
            Err(format!("the stream failed: {} {}", error.error_type, String::from_utf8_lossy(&error.error_body)))
        }
        Outcome::Streamed { prelude, body, .. } => {
            if probe.source == Source::PassThrough {
                return Ok((Delivery::Streamed, body.to_vec()));
            }
            let status = prelude.as_ref().and_then(|p| p["statusCode"].as_u64());
            if status != Some(200) {
                return Err(format!("streamed with prelude {prelude:?}, not a 200: {}", snippet(body)));
            }
            Ok((Delivery::Streamed, body.to_vec()))
        }
        Outcome::Buffered { body, .. } if probe.source == Source::PassThrough => {
            Ok((Delivery::Buffered, body.to_vec()))
        }
        Outcome::Buffered { body, .. } => {
            let envelope: Value = serde_json::from_slice(body)
                .map_err(|err| format!("the response is not Lambda's HTTP format ({err}): {}", snippet(body)))?;
            if envelope["statusCode"].as_u64() != Some(200) {
                return Err(format!("not a 200: {}", snippet(body)));
            }
            let text = envelope["body"].as_str().unwrap_or_default();
            let bytes = if envelope["isBase64Encoded"].as_bool() == Some(true) {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|err| format!("the response body is not base64 ({err})"))?
            } else {
                text.as_bytes().to_vec()
            };
            Ok((Delivery::Buffered, bytes))
        }
        other => Err(session::describe(other)),
    }
}

fn report_foreign(problems: &mut Vec<String>, place: &str, bytes: &[u8], own: &str) {
    let foreign = foreign_markers(bytes, own);
    if !foreign.is_empty() {
        problems.push(format!("CROSS-TALK: {place} holds other invocations' markers {foreign:?}"));
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn clip(text: &str) -> String {
    let mut end = text.len().min(160);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}...", &text[..end])
    } else {
        text.to_owned()
    }
}

fn snippet(bytes: &[u8]) -> String {
    clip(&String::from_utf8_lossy(&bytes[..bytes.len().min(200)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::PASS_THROUGH_PATH;
    use lambda_web_adapter::event::{translate, Translation};
    use serde_json::json;

    /// What the echo app would answer to the request the reference translation makes of
    /// `probe`'s event, wrapped as the adapter would buffer it for HTTP sources.
    fn echo_of(probe: &Probe, request_id: &str) -> Outcome {
        let mut context = crate::inputs::bench_context();
        context.request_id = request_id.to_owned();
        context.trace_id = Some(probe.trace_id.clone());
        context.tenant_id = Some(probe.marker.clone());
        context.client_context = Some(probe.client_context.clone());
        let mut config = crate::inputs::bench_config();
        config.pass_through_path = PASS_THROUGH_PATH.to_owned();
        let Ok(Translation::Forward { request, .. }) = translate(&probe.event, &context, &config) else {
            panic!("{} does not translate", probe.source.name());
        };
        let headers: Vec<Value> =
            request.headers().iter().map(|(k, v)| json!([k.as_str(), String::from_utf8_lossy(v.as_bytes())])).collect();
        let echo = json!({
            "method": request.method().as_str(),
            "path": request.uri().path(),
            "query": request.uri().query().unwrap_or(""),
            "headers": headers,
            "body": base64::engine::general_purpose::STANDARD.encode(request.body()),
        })
        .to_string();
        let body = if probe.source == Source::PassThrough {
            echo
        } else {
            json!({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": echo, "isBase64Encoded": false})
                .to_string()
        };
        Outcome::Buffered { body: body.into(), headers: http::HeaderMap::new() }
    }

    #[test]
    fn every_source_and_body_kind_passes_its_own_check() {
        for n in 0..(6 * 13 * 3) {
            let probe = Probe::new(n);
            let outcome = echo_of(&probe, "req-1");
            assert_eq!(check(&probe, Some("req-1"), &outcome), Ok(Delivery::Buffered), "invocation {n}");
        }
    }

    #[test]
    fn another_invocations_answer_is_caught() {
        for n in 0..12 {
            let probe = Probe::new(n);
            // The same source, the next round: a crossed answer looks right but for its markers.
            let other = Probe::new(n + 6);
            let problems = check(&probe, Some("req-1"), &echo_of(&other, "req-1")).expect_err("crossed");
            assert!(problems.iter().any(|p| p.starts_with("CROSS-TALK")), "{n}: {problems:?}");
        }
    }

    #[test]
    fn a_wrong_request_id_is_caught() {
        let probe = Probe::new(7);
        let problems = check(&probe, Some("req-2"), &echo_of(&probe, "req-1")).expect_err("crossed context");
        assert!(problems.iter().any(|p| p.contains("request_id")), "{problems:?}");
    }
}
