//! Comparing observations: against the reference snapshot, across frameworks and hosts.

use super::*;

/// What an observation was judged against, and how it fared.
#[derive(Debug)]
pub(super) enum Judgement {
    /// Checked against the case's expectations or the reference snapshot: every mismatch.
    Checked(Vec<String>),
    /// There was nothing to check it against, and why: never a pass.
    Unjudged(String),
    /// The case's own checks held; checks of weaker rules (its `[[also]]`) did not: a
    /// verdict at those rules' level.
    Lesser {
        /// The weaker rules broken.
        rules: Vec<String>,
        /// The strongest level among them.
        level: Level,
        /// What broke them.
        problems: Vec<String>,
    },
    /// A `MUST` rule the runner checks itself (a corpus event crashed or hung the
    /// adapter) is broken: a failure whatever else was checked.
    Broke {
        /// The rules.
        rules: Vec<&'static str>,
        /// What broke them.
        problems: Vec<String>,
    },
}

/// A corpus observation against the reference snapshot at `path`. No snapshot, or one
/// that cannot be read, is nothing to judge against: never a pass.
pub(super) fn judge_against_snapshot(path: &Path, normalised: &Value) -> Judgement {
    match read_snapshot(path) {
        Ok(expected) => Judgement::Checked(compare(&expected, normalised)),
        Err(why) => Judgement::Unjudged(format!(
            "no expectation recorded: {why} (the reference adapter's observations are recorded as \
             snapshots by `cargo test -p lwa-conformance --test it -- suite::`)"
        )),
    }
}

/// The JSON document inside an insta snapshot file, or why there is none (the message
/// names the file).
pub fn read_snapshot(path: &Path) -> Result<Value, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{shown} does not exist"),
        _ => format!("{shown} cannot be read: {e}"),
    })?;
    let body = text
        .strip_prefix("---")
        .and_then(|t| t.split_once("\n---\n"))
        .ok_or_else(|| format!("{shown} is not an insta snapshot (no `---` header)"))?
        .1;
    serde_json::from_str(body).map_err(|e| format!("{shown} does not hold a JSON observation: {e}"))
}

/// Differences between two normalised observations, as readable lines.
pub fn compare(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff("", expected, actual, &mut out);
    out
}

pub(super) fn diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}/{k}");
                match a.get(k) {
                    Some(av) => diff(&p, ev, av, out),
                    None => out.push(format!("{p}: expected {ev}, missing")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{path}/{k}: unexpected {av}"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}/{i}"), ev, av, out);
            }
        }
        _ if expected != actual => {
            out.push(format!("{}: expected {expected}, got {actual}", if path.is_empty() { "/" } else { path }))
        }
        _ => {}
    }
}

/// The parts of an observation every framework must agree on: the framework's own
/// response headers (declared per app) and the echo answer's body (each framework
/// parses requests its own way; what arrived on the wire is compared instead) are left out.
pub(super) fn comparable(kind: AppKind, normalised: &Value) -> Value {
    let mut value = normalised.clone();
    let strip = |v: Option<&mut Value>| {
        let Some(v) = v else { return };
        for key in ["headers", "multiValueHeaders"] {
            if let Some(Value::Object(map)) = v.get_mut(key) {
                for name in kind.added_headers().iter().chain(&["content-length", "date"]) {
                    map.remove(*name);
                }
            }
        }
        if v.get("body").is_some_and(|b| b.get("echo").is_some()) {
            v["body"] = json!("[echo answer]");
        }
        // Each framework's gzip bytes differ (declared); the content-encoding is compared.
        let encoded = v.get("headers").and_then(|h| h.get("content-encoding")).is_some()
            || v.get("multiValueHeaders").and_then(|h| h.get("content-encoding")).is_some();
        if encoded && v.get("body").is_some() {
            v["body"] = json!("[encoded body]");
        }
    };
    strip(value.get_mut("lambda"));
    strip(value.get_mut("stream").and_then(|s| s.get_mut("prelude")));
    value
}

/// Cross-framework consistency: each real app's observation of a case must equal the
/// echo app's apart from declared differences; a difference fails that app's result.
pub(super) fn cross_check(all: &mut [Ran]) {
    let reference: std::collections::HashMap<(String, String), Value> = all
        .iter()
        .filter(|r| r.result.app == AppKind::Echo.name() && r.result.host == Host::Process.name())
        // A reference that failed its own case proves nothing about the others.
        .filter(|r| r.result.verdict == Verdict::Pass && !r.normalised.is_null())
        .map(|r| ((r.result.id.clone(), r.result.arch.clone()), comparable(AppKind::Echo, &r.normalised)))
        .collect();
    for ran in all.iter_mut() {
        let Some(kind) = AppKind::REAL.iter().find(|k| k.name() == ran.result.app) else { continue };
        if ran.result.verdict != Verdict::Pass || ran.normalised.is_null() {
            continue;
        }
        let Some(expected) = reference.get(&(ran.result.id.clone(), ran.result.arch.clone())) else { continue };
        let differences = compare(expected, &comparable(*kind, &ran.normalised));
        if !differences.is_empty() {
            ran.result.verdict = CaseResult::broken(ran.result.level);
            ran.result.problems = differences.into_iter().map(|d| format!("differs from the echo app: {d}")).collect();
        }
    }
}

/// Host consistency: a case's normalised observation in an app's container must equal the
/// same case's with the same app and architecture on the process host; a difference
/// fails the container result (something depends on where the app runs: a writable root,
/// root privileges, memory).
pub(super) fn cross_check_hosts(all: &mut [Ran]) {
    let process: std::collections::HashMap<(String, String, String), Value> = all
        .iter()
        .filter(|r| r.result.host == Host::Process.name())
        .filter(|r| r.result.verdict == Verdict::Pass && !r.normalised.is_null())
        .map(|r| ((r.result.id.clone(), r.result.app.clone(), r.result.arch.clone()), r.normalised.clone()))
        .collect();
    for ran in all.iter_mut().filter(|r| r.result.host == Host::Container.name()) {
        if ran.result.verdict != Verdict::Pass || ran.normalised.is_null() {
            continue;
        }
        let key = (ran.result.id.clone(), ran.result.app.clone(), ran.result.arch.clone());
        let Some(expected) = process.get(&key) else { continue };
        let differences = compare(expected, &ran.normalised);
        if !differences.is_empty() {
            ran.result.verdict = CaseResult::broken(ran.result.level);
            ran.result.problems =
                differences.into_iter().map(|d| format!("differs from the process host: {d}")).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(app: &str, host: Host, verdict: Verdict, outcome: &str) -> Ran {
        Ran {
            result: CaseResult {
                id: "faults/app-timeout".into(),
                description: String::new(),
                app: app.into(),
                arch: "aarch64".into(),
                host: host.name().into(),
                verdict,
                problems: Vec::new(),
                rules: vec!["ERR-A".into()],
                level: Level::Must,
                duration_ms: 0,
                first_try: None,
                detail: None,
            },
            normalised: json!({ "outcome": outcome, "error_type": null, "lambda": null, "stream": null, "app": [] }),
            log_tail: Vec::new(),
        }
    }

    #[test]
    fn differences_name_the_pointer_and_both_values() {
        let expected = json!({"a": 1, "b": {"c": [1, 2]}, "gone": true});
        let actual = json!({"a": 2, "b": {"c": [1]}, "new": null});
        let diffs = compare(&expected, &actual);
        assert!(diffs.iter().any(|d| d.starts_with("/a: expected 1") && d.contains('2')), "{diffs:?}");
        assert!(diffs.iter().any(|d| d.starts_with("/b/c")), "{diffs:?}");
        assert!(diffs.iter().any(|d| d == "/gone: expected true, missing"), "{diffs:?}");
        assert!(diffs.iter().any(|d| d == "/new: unexpected null"), "{diffs:?}");
        assert!(compare(&expected, &expected).is_empty());
    }

    #[test]
    fn snapshots_are_read_past_their_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.snap");
        std::fs::write(&path, "---\nsource: x\nexpression: y\n---\n{\"outcome\": \"response\"}\n").unwrap();
        assert_eq!(read_snapshot(&path).unwrap(), json!({"outcome": "response"}));
        std::fs::write(&path, "{\"outcome\": \"response\"}").unwrap();
        assert!(read_snapshot(&path).unwrap_err().contains("not an insta snapshot"));
    }

    // Regression: the echo app's own result timed out under load (a fail), and every real
    // app that answered correctly was then failed for differing from it.
    #[test]
    fn a_failed_reference_fails_nobody_else() {
        let mut all = vec![
            ran("echo", Host::Process, Verdict::Fail, "timeout"),
            ran("express", Host::Process, Verdict::Pass, "error"),
            ran("express", Host::Container, Verdict::Pass, "error"),
        ];
        cross_check(&mut all);
        cross_check_hosts(&mut all);
        assert!(all[1..].iter().all(|r| r.result.verdict == Verdict::Pass), "{:?}", all[1].result.problems);
    }

    #[test]
    fn a_passed_reference_still_judges() {
        let mut all = vec![
            ran("echo", Host::Process, Verdict::Pass, "error"),
            ran("express", Host::Process, Verdict::Pass, "error"),
            ran("express", Host::Container, Verdict::Pass, "timeout"),
        ];
        cross_check(&mut all);
        cross_check_hosts(&mut all);
        assert_eq!(all[1].result.verdict, Verdict::Pass);
        assert_eq!(all[2].result.verdict, Verdict::Fail);
        assert!(all[2].result.problems.iter().any(|p| p.contains("differs")), "{:?}", all[2].result.problems);
    }

    // Regression (issue 19): a corpus event whose snapshot was missing or unreadable was
    // judged against nothing and passed.
    #[test]
    fn a_missing_or_unreadable_snapshot_is_no_expectation() {
        let dir = tempfile::tempdir().unwrap();
        let observed = json!({ "outcome": "response", "app": [] });
        let missing = dir.path().join("suite__corpus__x.json.snap");
        let Judgement::Unjudged(why) = judge_against_snapshot(&missing, &observed) else { panic!("judged") };
        assert!(why.starts_with("no expectation recorded") && why.contains("suite__corpus__x.json.snap"), "{why}");
        assert!(why.contains("does not exist"), "{why}");
        for garbage in ["", "{\"outcome\": \"response\"}", "---\nsource: x\n---\n{not json", "---\nno end"] {
            std::fs::write(&missing, garbage).unwrap();
            let Judgement::Unjudged(why) = judge_against_snapshot(&missing, &observed) else { panic!("{garbage:?}") };
            assert!(why.starts_with("no expectation recorded") && why.contains("suite__corpus__x.json.snap"), "{why}");
        }
        std::fs::write(&missing, "---\nsource: x\nexpression: y\n---\n{\"outcome\": \"response\", \"app\": []}\n")
            .unwrap();
        assert!(matches!(judge_against_snapshot(&missing, &observed), Judgement::Checked(p) if p.is_empty()));
        let other = json!({ "outcome": "error", "app": [] });
        assert!(matches!(judge_against_snapshot(&missing, &other), Judgement::Checked(p) if p.len() == 1));
    }
}
