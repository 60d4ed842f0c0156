//! Starting processes the way Lambda does: own process group, the function environment,
//! output captured line by line with a prefix, and signals to the whole group.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustix::process::{kill_process_group, Pid, Signal};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use super::config::EmulatorConfig;
use super::entries::ProcKind;
use super::log::LogStore;
use super::records::{LogSource, LogStream};
use super::shared::Shared;

/// Inherited variables that would leak the caller's Lambda or adapter settings into a
/// test (LWA's old unprefixed aliases included).
const STRIPPED_PREFIXES: [&str; 4] = ["AWS_LAMBDA_", "AWS_LWA_", "LAMBDA_", "_X_AMZN_"];
const STRIPPED_NAMES: [&str; 9] = [
    "_HANDLER",
    "PORT",
    "HOST",
    "READINESS_CHECK_PORT",
    "READINESS_CHECK_PATH",
    "READINESS_CHECK_PROTOCOL",
    "READINESS_CHECK_MIN_UNHEALTHY_STATUS",
    "ASYNC_INIT",
    "REMOVE_BASE_PATH",
];

/// What Lambda's "Defined runtime environment variables" table gives every function
/// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html>), set
/// unless the function's own variables or the inherited environment have them. PATH and
/// LD_LIBRARY_PATH are Lambda's values; on a laptop the inherited ones normally win.
const LAMBDA_DEFAULTS: [(&str, &str); 4] = [
    ("TZ", ":UTC"),
    ("LANG", "en_US.UTF-8"),
    ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
    (
        "LD_LIBRARY_PATH",
        "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    ),
];

/// Lambda hands every function the execution role's temporary credentials. These are
/// dummies (AWS's documentation example key), set as a group and only when neither the
/// function's variables nor the inherited environment name any credentials (a key of
/// this group, or `AWS_PROFILE`), so real keys are never mixed with a dummy token.
const DUMMY_CREDENTIALS: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AWS_SESSION_TOKEN", "lwa-conformance-dummy-session-token"),
];

/// The variables Lambda sets for every process of the function, then the function's own
/// (`config.env`, which win). `inherited` tells whether the inherited environment (when
/// [`EmulatorConfig::inherit_env`] is on) has a variable: Lambda's defaults for `TZ`,
/// `LANG`, `PATH`, `LD_LIBRARY_PATH` and the dummy credentials give way to it.
///
/// Not set, as Lambda does not set them by default: `AWS_EXECUTION_ENV` (absent for
/// OS-only runtimes, the `provided` family, which an arbitrary command is),
/// `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` (only with advanced logging
/// controls).
pub(crate) fn function_env(
    config: &EmulatorConfig,
    runtime_api: &str,
    inherited: &dyn Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let f = &config.function;
    let mut env = vec![
        ("AWS_LAMBDA_RUNTIME_API".to_string(), runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), f.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), f.version.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), f.memory_mb.to_string()),
        ("AWS_REGION".into(), f.region.clone()),
        ("AWS_DEFAULT_REGION".into(), f.region.clone()),
        ("AWS_LAMBDA_LOG_GROUP_NAME".into(), f.log_group_name()),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), f.log_stream_name()),
        ("LAMBDA_TASK_ROOT".into(), f.task_root.clone()),
        ("LAMBDA_RUNTIME_DIR".into(), "/var/runtime".into()),
        ("_HANDLER".into(), f.handler.clone()),
        (
            "AWS_LAMBDA_INITIALIZATION_TYPE".into(),
            if config.is_managed_instances() { "lambda-managed-instances".into() } else { "on-demand".into() },
        ),
    ];
    if config.max_concurrency > 1 {
        env.push(("AWS_LAMBDA_MAX_CONCURRENCY".into(), config.max_concurrency.to_string()));
    }
    let given = |key: &str| config.env_value(key).is_some() || (config.inherit_env && inherited(key));
    for (key, value) in LAMBDA_DEFAULTS {
        if !given(key) {
            env.push((key.into(), value.into()));
        }
    }
    if !DUMMY_CREDENTIALS.iter().any(|(key, _)| given(key)) && !given("AWS_PROFILE") {
        env.extend(DUMMY_CREDENTIALS.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    }
    env.extend(config.env.iter().cloned());
    env
}

fn stripped(key: &str) -> bool {
    STRIPPED_PREFIXES.iter().any(|p| key.starts_with(p)) || STRIPPED_NAMES.contains(&key)
}

/// The executable files of `dir`, sorted by file name (Lambda starts extensions in that
/// order).
pub(crate) fn extensions_in(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
            found.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    found.sort();
    Ok(found)
}

/// How long an exited process's last output may take to be read into the log. A child
/// it left behind can hold the pipes open, so the wait for their end is bounded.
const OUTPUT_DRAIN: Duration = Duration::from_secs(1);

/// A started process, until it exits.
#[derive(Debug)]
pub(crate) struct Started {
    child: Child,
    source: LogSource,
    /// Its process group (its own pid).
    pub(crate) pgid: Option<i32>,
    /// The tasks reading its stdout and stderr into the log.
    captures: Vec<JoinHandle<()>>,
}

impl Started {
    /// Waits until it exits, logs the exit and describes it. What it wrote before it
    /// exited is in the log before the exit is reported, as in Lambda's logs: a runtime's
    /// last words (why it failed) are there when init fails.
    pub(crate) async fn exited(mut self, log: &LogStore) -> String {
        let description = match self.child.wait().await {
            Ok(status) => describe_exit(status),
            Err(e) => format!("wait failed: {e}"),
        };
        let captures = std::mem::take(&mut self.captures);
        let drained = async {
            for capture in captures {
                let _ = capture.await;
            }
        };
        let _ = tokio::time::timeout(OUTPUT_DRAIN, drained).await;
        log.emulator(format!("{} exited: {description}", self.source));
        description
    }
}

/// Starts one process in its own process group, its output captured into the log.
pub(crate) fn spawn(shared: &Arc<Shared>, kind: ProcKind, name: &str, argv: &[String]) -> std::io::Result<Started> {
    let Some((program, args)) = argv.split_first() else {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"));
    };
    let mut cmd = Command::new(program);
    cmd.args(args);
    if shared.config.inherit_env {
        for (key, _) in std::env::vars_os() {
            if stripped(&key.to_string_lossy()) {
                cmd.env_remove(&key);
            }
        }
    } else {
        cmd.env_clear();
    }
    let runtime_api = shared.addr.to_string();
    cmd.envs(function_env(&shared.config, &runtime_api, &|key| std::env::var_os(key).is_some_and(|_| !stripped(key))));
    if let Some(dir) = &shared.config.working_dir {
        cmd.current_dir(dir);
    }
    cmd.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let pgid = child.id().and_then(|id| i32::try_from(id).ok());
    let source = match kind {
        ProcKind::Runtime => LogSource::Runtime,
        ProcKind::Extension => LogSource::Extension(name.to_string()),
    };
    shared.log.emulator(format!("started {source} {} (pid {})", argv.join(" "), pgid.unwrap_or_default()));
    let mut captures = Vec::with_capacity(2);
    if let Some(out) = child.stdout.take() {
        captures.push(tokio::spawn(capture(shared.clone(), source.clone(), LogStream::Stdout, out)));
    }
    if let Some(err) = child.stderr.take() {
        captures.push(tokio::spawn(capture(shared.clone(), source.clone(), LogStream::Stderr, err)));
    }
    Ok(Started { child, source, pgid, captures })
}

async fn capture(shared: Arc<Shared>, source: LogSource, stream: LogStream, reader: impl AsyncRead + Unpin) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                shared.log.push(source.clone(), stream, String::from_utf8_lossy(&buf).into_owned());
            }
        }
    }
}

/// "exit status 1" / "signal: killed", the wording of Lambda's `Runtime.ExitError`.
fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(9) => "signal: killed".into(),
        Some(15) => "signal: terminated".into(),
        Some(6) => "signal: aborted".into(),
        Some(11) => "signal: segmentation fault".into(),
        Some(n) => format!("signal: {n}"),
        None => status.to_string(),
    }
}

/// Sends `signal` to a whole process group (errors such as "no such process" ignored).
pub(crate) fn signal_group(pgid: Option<i32>, signal: Signal) {
    if let Some(pid) = pgid.and_then(Pid::from_raw) {
        let _ = kill_process_group(pid, signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_env_has_lambda_variables() {
        let config = EmulatorConfig::new().max_concurrency(4).env("AWS_LWA_PORT", "3000");
        let env = function_env(&config, "127.0.0.1:9001", &|_| false);
        let get = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:9001"));
        assert_eq!(get("AWS_LAMBDA_MAX_CONCURRENCY"), Some("4"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
        assert_eq!(get("AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/conformance-function"));
        assert_eq!(get("AWS_LWA_PORT"), Some("3000"));
        let classic = function_env(&EmulatorConfig::new(), "x", &|_| false);
        assert!(!classic.iter().any(|(k, _)| k == "AWS_LAMBDA_MAX_CONCURRENCY"));
    }

    #[test]
    fn function_env_has_what_lambda_always_gives() {
        let get =
            |env: &[(String, String)], k: &str| env.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let none = |_: &str| false;
        let env = function_env(&EmulatorConfig::new(), "x", &none);
        assert_eq!(get(&env, "TZ").as_deref(), Some(":UTC"));
        assert_eq!(get(&env, "LANG").as_deref(), Some("en_US.UTF-8"));
        assert_eq!(get(&env, "PATH").as_deref(), Some("/usr/local/bin:/usr/bin/:/bin:/opt/bin"));
        assert!(get(&env, "LD_LIBRARY_PATH").is_some_and(|v| v.starts_with("/var/lang/lib:")));
        assert_eq!(get(&env, "AWS_REGION").as_deref(), Some("us-east-1"));
        assert_eq!(get(&env, "AWS_DEFAULT_REGION").as_deref(), Some("us-east-1"));
        assert_eq!(get(&env, "LAMBDA_RUNTIME_DIR").as_deref(), Some("/var/runtime"));
        for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            assert!(get(&env, key).is_some(), "{key}");
        }
        for key in ["AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL"] {
            assert!(get(&env, key).is_none(), "{key}: Lambda does not set it by default");
        }

        // What the user or the inherited environment has wins, and appears once.
        let user = EmulatorConfig::new().env("TZ", "Europe/Paris");
        let inherited = |k: &str| k == "PATH" || k == "LANG";
        let env = function_env(&user, "x", &inherited);
        assert_eq!(get(&env, "TZ").as_deref(), Some("Europe/Paris"));
        assert_eq!(env.iter().filter(|(k, _)| k == "TZ").count(), 1);
        assert!(get(&env, "PATH").is_none() && get(&env, "LANG").is_none(), "inherited ones are left alone");
        // ... unless nothing is inherited.
        let mut clean = EmulatorConfig::new();
        clean.inherit_env = false;
        assert!(get(&function_env(&clean, "x", &inherited), "PATH").is_some());

        // Credentials are a group: a real key never gets a dummy token beside it.
        let real = |k: &str| k == "AWS_ACCESS_KEY_ID" || k == "AWS_SECRET_ACCESS_KEY";
        let env = function_env(&EmulatorConfig::new(), "x", &real);
        assert!(get(&env, "AWS_SESSION_TOKEN").is_none());
        let profile = EmulatorConfig::new().env("AWS_PROFILE", "dev");
        assert!(get(&function_env(&profile, "x", &none), "AWS_ACCESS_KEY_ID").is_none());
    }

    /// A runtime's last words (why it failed) are in the log, before its exit, once the
    /// exit is reported: init failures are read with them.
    #[tokio::test]
    async fn what_a_process_wrote_is_logged_before_its_exit() {
        let shared = Shared::new(EmulatorConfig::new(), "127.0.0.1:9".parse().unwrap());
        let argv = ["/bin/sh", "-c", "echo first; echo last words >&2; exit 3"].map(String::from);
        let started = spawn(&shared, ProcKind::Runtime, "bootstrap", &argv).unwrap();
        assert_eq!(started.exited(&shared.log).await, "exit status 3");
        let lines: Vec<String> = shared.log.snapshot().iter().map(|l| l.line.clone()).collect();
        let at = |text: &str| lines.iter().position(|l| l == text || l.ends_with(text));
        let exit = at("exited: exit status 3").unwrap_or_else(|| panic!("no exit line: {lines:?}"));
        assert!(at("first").is_some_and(|i| i < exit), "{lines:?}");
        assert!(at("last words").is_some_and(|i| i < exit), "{lines:?}");
    }

    #[test]
    fn caller_settings_do_not_leak() {
        assert!(stripped("AWS_LWA_PORT"));
        assert!(stripped("AWS_LAMBDA_RUNTIME_API"));
        assert!(stripped("PORT"));
        assert!(!stripped("PATH"));
        assert!(!stripped("HOME"));
    }
}
