//! Checking an observation against a case's expectations: the outcome, the Lambda
//! response, what the app received and the stream, each mismatch a readable line.

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::{Expect, ExpectApp, ExpectStream, Observation};

/// `{request_id}` becomes the invocation's id; the string `{null}` is JSON null (TOML has none).
fn substitute(expected: &Value, request_id: &str) -> Value {
    match expected {
        Value::String(s) if s == "{null}" => Value::Null,
        Value::String(s) => Value::String(s.replace("{request_id}", request_id)),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, request_id)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, request_id))).collect()),
        other => other.clone(),
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "nothing".to_owned(), |v| v.to_string())
}

/// Whether the app's body is JSON equal to `event`, as [`ExpectApp::body_is_event_json`]
/// asks; the problem otherwise.
pub fn check_body_is_event(event: &[u8], seen: &Observation) -> Option<String> {
    let request = seen.app.first()?;
    let expected: Value = match serde_json::from_slice(event) {
        Ok(value) => value,
        Err(e) => return Some(format!("app body: the event sent is not JSON ({e}), so no body can equal it")),
    };
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(actual) if actual == expected => None,
        Ok(_) => Some(format!(
            "app body: JSON that differs from the event ({} bytes against the event's {})",
            request.body.len(),
            event.len()
        )),
        Err(e) => Some(format!("app body: not JSON ({e}), expected the event")),
    }
}

/// Checks an observation against a case's expectations; returns every mismatch. A stream
/// that ended in an error trailer the case does not name is one too.
pub fn check(expect: &Expect, seen: &Observation) -> Vec<String> {
    let mut out = check_also(expect, seen);
    // A stream that ended in an error trailer failed mid-way: unless the case names that
    // trailer (`[expect.stream] error_type` or `error_trailer`, or `error_type`, which is
    // compared with it), it is a failure whatever else held, [expect.stream] or not.
    let trailer = seen.stream.as_ref().and_then(|s| s.error_type.as_deref());
    let named = expect.stream.as_ref().is_some_and(|s| s.error_type.is_some() || s.error_trailer)
        || expect.error_type.is_some();
    if let (Some(trailer), false) = (trailer, named) {
        out.push(format!("stream error trailer: expected none, got {trailer:?} (the stream failed mid-way)"));
    }
    out
}

/// Checks an observation against the expectations of an `[[also]]`: only what they name.
pub fn check_also(expect: &Expect, seen: &Observation) -> Vec<String> {
    let mut out = Vec::new();
    let rid = seen.request_id.as_str();
    if let Some(outcome) = expect.outcome.filter(|o| *o != seen.outcome) {
        out.push(format!(
            "outcome: expected {outcome:?}, got {:?}{}",
            seen.outcome,
            seen.error_message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
        ));
    }
    if let Some(error_type) = &expect.error_type {
        if seen.error_type.as_deref() != Some(error_type) {
            out.push(format!("errorType: expected {error_type:?}, got {:?}", seen.error_type));
        }
    }
    for needle in &expect.message_contains {
        if !seen.error_message.as_deref().unwrap_or("").contains(needle.as_str()) {
            out.push(format!("error message does not contain {needle:?}: {:?}", seen.error_message));
        }
    }
    for (pointer, expected) in &expect.lambda {
        let expected = substitute(expected, rid);
        let actual = seen.lambda.as_ref().and_then(|v| v.pointer(pointer));
        if actual != Some(&expected) {
            out.push(format!("lambda {pointer}: expected {expected}, got {}", show(actual)));
        }
    }
    if let Some(absent) = &expect.lambda_absent {
        for pointer in &absent.pointers {
            if let Some(found) = seen.lambda.as_ref().and_then(|v| v.pointer(pointer)) {
                out.push(format!("lambda {pointer}: expected absent, got {found}"));
            }
        }
    }
    if let Some(app) = &expect.app {
        check_app(app, seen, &mut out);
    }
    if let Some(stream) = &expect.stream {
        check_stream(stream, seen, &mut out);
    }
    out
}

fn check_app(app: &ExpectApp, seen: &Observation, out: &mut Vec<String>) {
    let Some(request) = seen.app.first() else {
        if app.called {
            out.push("app: expected a request, the app received none".into());
        }
        return;
    };
    if !app.called {
        out.push(format!("app: expected no request, got {} {}", request.method, request.path));
        return;
    }
    let mut expect_eq = |what: &str, expected: &Option<String>, actual: &str| {
        if let Some(expected) = expected {
            if expected != actual {
                out.push(format!("app {what}: expected {expected:?}, got {actual:?}"));
            }
        }
    };
    expect_eq("method", &app.method, &request.method);
    expect_eq("path", &app.path, &request.path);
    expect_eq("query", &app.query, &request.query);
    expect_eq("request-target", &app.target, &request.target);
    if let Some(body) = &app.body {
        if request.body.as_ref() != body.as_bytes() {
            out.push(format!("app body: expected {body:?}, got {:?}", String::from_utf8_lossy(&request.body)));
        }
    }
    if let Some(b64) = &app.body_base64 {
        let expected = base64::engine::general_purpose::STANDARD.decode(b64).unwrap_or_default();
        if request.body.as_ref() != expected.as_slice() {
            out.push(format!(
                "app body: expected {} bytes (base64 {b64:.40}...), got {} bytes",
                expected.len(),
                request.body.len()
            ));
        }
    }
    for name in &app.headers_absent {
        if let Some(value) = request.header(name) {
            out.push(format!("app header {name}: expected absent, got {value:?}"));
        }
    }
    for (name, banned) in &app.header_values_absent {
        if request.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case(name) && v == banned) {
            out.push(format!("app header {name}: expected no value {banned:?}, got {:?}", request.header(name)));
        }
    }
    for (name, expected) in &app.headers {
        let expected = expected.replace("{request_id}", &seen.request_id);
        let actual = request.header(name);
        if actual.as_deref() != Some(expected.as_str()) {
            out.push(format!("app header {name}: expected {expected:?}, got {actual:?}"));
        }
    }
    for (key, expected) in &app.json_headers {
        let expected = substitute(expected, &seen.request_id);
        let (name, pointer) = key.split_once('#').unwrap_or((key.as_str(), ""));
        let parsed = request.header(name).and_then(|v| serde_json::from_str::<Value>(&v).ok());
        let actual = parsed.as_ref().and_then(|v| v.pointer(pointer));
        if actual != Some(&expected) {
            out.push(format!("app header {name}#{pointer}: expected {expected}, got {}", show(actual)));
        }
    }
}

fn check_stream(stream: &ExpectStream, seen: &Observation, out: &mut Vec<String>) {
    let Some(got) = &seen.stream else {
        out.push("stream: expected a streamed response, got none".into());
        return;
    };
    for (pointer, expected) in &stream.prelude {
        let actual = got.prelude.as_ref().and_then(|v| v.pointer(pointer));
        if actual != Some(expected) {
            out.push(format!("prelude {pointer}: expected {expected}, got {}", show(actual)));
        }
    }
    if let Some(body) = &stream.body {
        if got.body.as_ref() != body.as_bytes() {
            out.push(format!("stream body: expected {body:?}, got {:?}", String::from_utf8_lossy(&got.body)));
        }
    }
    if let Some(min) = stream.min_chunks {
        if got.chunk_times.len() < min {
            out.push(format!("stream: expected at least {min} separate chunks, got {}", got.chunk_times.len()));
        }
    }
    if let Some(gap) = stream.min_gap_ms {
        let smallest = got.chunk_times.windows(2).map(|w| w[1].saturating_sub(w[0])).min();
        match smallest {
            Some(smallest) if smallest < Duration::from_millis(gap) => out.push(format!(
                "stream: chunks {gap} ms apart arrived {} ms apart (held back and sent together)",
                smallest.as_millis()
            )),
            Some(_) => {}
            // No gap to measure is no gap that held: the body came in one piece, or none.
            None => out.push(format!(
                "stream: min_gap_ms = {gap} needs at least two body chunks to measure, got {} \
                 (the body was not streamed in separate chunks)",
                got.chunk_times.len()
            )),
        }
    }
    // An unexpected trailer is reported by `check`, whether or not there is an [expect.stream].
    if let Some(expected) = &stream.error_type {
        if got.error_type.as_ref() != Some(expected) {
            out.push(format!("stream error trailer: expected {expected:?}, got {:?}", got.error_type));
        }
    }
    if stream.error_trailer && got.error_type.is_none() {
        out.push(
            "stream error trailer: expected one, the stream ended without (a cut body that looks complete)".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde_json::json;

    use crate::case::{Case, OutcomeKind, StreamSeen};
    use crate::echo_app::Received;

    fn observation() -> Observation {
        Observation {
            request_id: "r-1".into(),
            outcome: OutcomeKind::Response,
            error_type: None,
            error_message: None,
            lambda: Some(json!({"statusCode": 200, "cookies": ["a=1"]})),
            stream: None,
            app: vec![Received {
                request_id: Some("r-1".into()),
                method: "GET".into(),
                path: "/echo/x".into(),
                query: "a=1&a=2".into(),
                target: "/echo/x?a=1&a=2".into(),
                headers: vec![
                    ("cookie".into(), "a=1; b=2".into()),
                    ("x-amzn-lambda-context".into(), r#"{"request_id":"r-1"}"#.into()),
                ],
                body: Bytes::new(),
            }],
        }
    }

    fn expect(toml_text: &str) -> Expect {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn matching_observation_passes() {
        let e = expect(
            r#"
            outcome = "response"
            [app]
            path = "/echo/x"
            query = "a=1&a=2"
            headers_absent = ["x-custom"]
            [app.headers]
            cookie = "a=1; b=2"
            [app.json_headers]
            "x-amzn-lambda-context#/request_id" = "{request_id}"
            [lambda]
            "/statusCode" = 200
            "/cookies" = ["a=1"]
            "#,
        );
        assert_eq!(check(&e, &observation()), Vec::<String>::new());
    }

    #[test]
    fn every_mismatch_is_named() {
        let e = expect(
            r#"
            outcome = "error"
            error_type = "Adapter.InvalidEvent"
            [app]
            called = false
            [lambda]
            "/statusCode" = 400
            "#,
        );
        let problems = check(&e, &observation());
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("outcome"));
    }

    #[test]
    fn a_trailer_of_any_type_can_be_required() {
        let any = expect("outcome = \"streamed\"\n[stream]\nerror_trailer = true");
        assert_eq!(check(&any, &streamed(&[0], Some("Runtime.Whatever"))), Vec::<String>::new());
        let problems = check(&any, &streamed(&[0], None));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("ended without"), "{problems:?}");
    }

    #[test]
    fn a_banned_header_value_is_found_among_several() {
        let e = expect("[app.header_values_absent]\ncookie = \"a=1; b=2\"");
        let problems = check_also(&e, &observation());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("no value \"a=1; b=2\""), "{problems:?}");
        let other = expect("[app.header_values_absent]\ncookie = \"a=1\"");
        assert_eq!(check_also(&other, &observation()), Vec::<String>::new());
    }

    #[test]
    fn also_blocks_check_only_what_they_name() {
        // No outcome and no implicit trailer check: those belong to the case's [expect].
        let also = expect("[lambda]\n\"/statusCode\" = 200");
        assert_eq!(check_also(&also, &streamed(&[0], Some("Adapter.AppTimeout"))).len(), 1, "no /statusCode");
        assert_eq!(check_also(&also, &observation()), Vec::<String>::new());
        let dir = tempfile::tempdir().unwrap();
        let write = |body: &str| {
            let path = dir.path().join("area/x.toml");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let head = "id = \"area/x\"\ndescription = \"d\"\nrequirement = \"r\"\nrules = [\"RESP-STATUS-BODY\"]\n\
                        [invoke]\nevent = \"apigw-v2/get-root.json\"\n";
            std::fs::write(&path, format!("{head}{body}")).unwrap();
            Case::load(dir.path(), &path)
        };
        let case = write("[expect]\noutcome = \"response\"\n[[also]]\nrules = [\"RESP-EMPTY-BODY-STRING\"]\nexpect.lambda = { \"/body\" = \"\" }\n")
            .unwrap();
        assert_eq!(case.also.len(), 1);
        assert_eq!(case.also[0].rules, ["RESP-EMPTY-BODY-STRING"]);
        let err = write("[expect]\noutcome = \"response\"\n[[also]]\nrules = [\"X\"]\nexpect.outcome = \"error\"\n");
        assert!(err.unwrap_err().to_string().contains("cannot set `outcome`"));
        let err = write("[expect]\nerror_type = \"x\"\n");
        assert!(err.unwrap_err().to_string().contains("needs an `outcome`"));
    }

    fn streamed(chunk_ms: &[u64], trailer: Option<&str>) -> Observation {
        Observation {
            outcome: OutcomeKind::Streamed,
            error_type: trailer.map(str::to_owned),
            lambda: None,
            stream: Some(StreamSeen {
                prelude: Some(json!({"statusCode": 200, "headers": {}, "cookies": []})),
                body: Bytes::from_static(b"data: 0\n\n"),
                chunk_times: chunk_ms.iter().map(|ms| Duration::from_millis(*ms)).collect(),
                error_type: trailer.map(str::to_owned),
            }),
            ..observation()
        }
    }

    // Regression (issue 19): the error trailer was only compared when a case expected
    // one, so a stream that failed mid-way passed every case that expected none.
    #[test]
    fn an_unexpected_error_trailer_fails() {
        let seen = streamed(&[0], Some("Adapter.AppConnectionError"));
        for e in [
            "outcome = \"streamed\"\n[stream]\nbody = \"data: 0\\n\\n\"",
            // Without a [stream] table too: nothing named the trailer, so it is unexpected.
            "outcome = \"streamed\"",
        ] {
            let problems = check(&expect(e), &seen);
            assert_eq!(problems.len(), 1, "{e}: {problems:?}");
            assert!(problems[0].contains("error trailer") && problems[0].contains("Adapter.AppConnectionError"));
        }
        let named = expect("outcome = \"streamed\"\n[stream]\nerror_type = \"Adapter.AppConnectionError\"");
        assert_eq!(check(&named, &seen), Vec::<String>::new());
        let other = expect("outcome = \"streamed\"\n[stream]\nerror_type = \"Adapter.AppTimeout\"");
        assert_eq!(check(&other, &seen).len(), 1);
        assert_eq!(check(&other, &streamed(&[0], None)).len(), 1, "an expected trailer that never came fails");
    }

    // Regression (issue 19): `min_gap_ms` held whenever fewer than two chunks arrived
    // (there was no gap to measure), so an adapter that buffered the stream passed it.
    #[test]
    fn min_gap_needs_two_chunks_to_hold() {
        let e = expect("outcome = \"streamed\"\n[stream]\nmin_gap_ms = 50");
        for chunks in [&[][..], &[120][..]] {
            let problems = check(&e, &streamed(chunks, None));
            assert_eq!(problems.len(), 1, "{chunks:?}: {problems:?}");
            assert!(problems[0].contains("min_gap_ms") && problems[0].contains("two"), "{problems:?}");
        }
        assert_eq!(check(&e, &streamed(&[0, 60, 120], None)), Vec::<String>::new());
        assert_eq!(check(&e, &streamed(&[0, 60, 70], None)).len(), 1, "a short gap still fails");
    }
}
