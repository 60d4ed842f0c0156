//! Starting processes the way Lambda does: own process group, the function environment,
//! output captured line by line with a prefix, and signals to the whole group.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use rustix::process::{kill_process_group, Pid, Signal};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use super::config::EmulatorConfig;
use super::lifecycle;
use super::records::{LogSource, LogStream};
use super::state::{ProcInfo, ProcKind, Shared};

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

/// The variables Lambda sets for every process of the function.
pub(crate) fn function_env(config: &EmulatorConfig, runtime_api: &str) -> Vec<(String, String)> {
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
        ("_HANDLER".into(), f.handler.clone()),
        (
            "AWS_LAMBDA_INITIALIZATION_TYPE".into(),
            if config.is_managed_instances() { "lambda-managed-instances".into() } else { "on-demand".into() },
        ),
    ];
    if config.max_concurrency > 1 {
        env.push(("AWS_LAMBDA_MAX_CONCURRENCY".into(), config.max_concurrency.to_string()));
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

/// Starts one process in its own process group and records it.
pub(crate) fn spawn(
    shared: &Arc<Shared>,
    kind: ProcKind,
    name: &str,
    argv: &[String],
    generation: u64,
) -> std::io::Result<()> {
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
    cmd.envs(function_env(&shared.config, &runtime_api));
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
    if let Some(out) = child.stdout.take() {
        tokio::spawn(capture(shared.clone(), source.clone(), LogStream::Stdout, out));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(capture(shared.clone(), source.clone(), LogStream::Stderr, err));
    }
    let index = shared.with_state(|st| {
        st.procs.push(ProcInfo { name: name.to_string(), kind, generation, pgid, exit: None });
        st.procs.len() - 1
    });
    let watcher_shared = shared.clone();
    tokio::spawn(async move {
        let description = match child.wait().await {
            Ok(status) => describe_exit(status),
            Err(e) => format!("wait failed: {e}"),
        };
        watcher_shared.log.emulator(format!("{source} exited: {description}"));
        lifecycle::on_process_exit(&watcher_shared, index, description);
    });
    Ok(())
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
        let env = function_env(&config, "127.0.0.1:9001");
        let get = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:9001"));
        assert_eq!(get("AWS_LAMBDA_MAX_CONCURRENCY"), Some("4"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
        assert_eq!(get("AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/conformance-function"));
        assert_eq!(get("AWS_LWA_PORT"), Some("3000"));
        let classic = function_env(&EmulatorConfig::new(), "x");
        assert!(!classic.iter().any(|(k, _)| k == "AWS_LAMBDA_MAX_CONCURRENCY"));
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
