//! What the emulator starts and how it behaves: the function's settings, the processes,
//! and the limits.

use std::path::PathBuf;
use std::time::Duration;

/// Settings of the emulated function, exported to every process as Lambda does
/// (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_REGION`, `_HANDLER`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    /// `AWS_LAMBDA_FUNCTION_NAME`; also the last part of the function ARN.
    pub name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub version: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB.
    pub memory_mb: u32,
    /// `AWS_REGION` and `AWS_DEFAULT_REGION`.
    pub region: String,
    /// The account id used in the invoked function ARN.
    pub account_id: String,
    /// `_HANDLER`.
    pub handler: String,
    /// `LAMBDA_TASK_ROOT`.
    pub task_root: String,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`; defaults to `/aws/lambda/<name>`.
    pub log_group: Option<String>,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`; defaults to a dated `[$LATEST]` stream name.
    pub log_stream: Option<String>,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        Self {
            name: "conformance-function".into(),
            version: "$LATEST".into(),
            memory_mb: 128,
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            handler: "bootstrap".into(),
            task_root: "/var/task".into(),
            log_group: None,
            log_stream: None,
        }
    }
}

impl FunctionConfig {
    /// `arn:aws:lambda:<region>:<account>:function:<name>`, sent as
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub fn arn(&self) -> String {
        format!("arn:aws:lambda:{}:{}:function:{}", self.region, self.account_id, self.name)
    }

    /// The log group name (configured or `/aws/lambda/<name>`).
    pub fn log_group_name(&self) -> String {
        self.log_group.clone().unwrap_or_else(|| format!("/aws/lambda/{}", self.name))
    }

    /// The log stream name (configured or a fixed `[$LATEST]` one).
    pub fn log_stream_name(&self) -> String {
        self.log_stream
            .clone()
            .unwrap_or_else(|| format!("2026/01/01/[{}]0123456789abcdef0123456789abcdef", self.version))
    }
}

/// An extension process started explicitly (besides those of the extensions directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionCommand {
    /// The name it is known by (Lambda uses the executable's file name); used in the log
    /// prefix `[ext:<name>]` and to check that it registers.
    pub name: String,
    /// Program and arguments.
    pub argv: Vec<String>,
}

/// Everything [`Emulator::start`](crate::Emulator::start) needs.
///
/// With no runtime command, no extensions directory and no extension commands the
/// emulator runs as a bare server: nothing is spawned and any in-process code can act as
/// runtime or extension through [`Emulator::runtime_api`](crate::Emulator::runtime_api).
///
/// ```
/// use lwa_emulator::EmulatorConfig;
/// use std::time::Duration;
///
/// let config = EmulatorConfig::new()
///     .extension("lambda-adapter", ["/opt/extensions/lambda-adapter"])
///     .runtime_command(["node", "server.js"])
///     .env("AWS_LWA_PORT", "3000")
///     .timeout(Duration::from_secs(3));
/// assert_eq!(config.max_concurrency, 1);
/// assert!(!config.is_server_only());
/// assert!(EmulatorConfig::new().is_server_only());
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The function's settings.
    pub function: FunctionConfig,
    /// The function timeout (Lambda's default is 3 s).
    pub timeout: Duration,
    /// The init phase limit (10 s for on-demand functions).
    pub init_timeout: Duration,
    /// How long processes get between SIGTERM / SHUTDOWN and SIGKILL (about 2 s in Lambda
    /// with external extensions).
    pub shutdown_grace: Duration,
    /// `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances) when greater than 1.
    pub max_concurrency: u32,
    /// Port of the Runtime API on 127.0.0.1; `None` lets the OS choose.
    pub port: Option<u16>,
    /// Every executable file of this directory is started as an extension, sorted by name.
    pub extensions_dir: Option<PathBuf>,
    /// Extension processes given explicitly (started after those of the directory).
    pub extensions: Vec<ExtensionCommand>,
    /// The runtime command (an app, a `bootstrap`); optional when an extension is the
    /// runtime (a web adapter).
    pub runtime: Option<Vec<String>>,
    /// The function's own environment variables (for example `AWS_LWA_PORT`, or
    /// `AWS_LAMBDA_EXEC_WRAPPER` to start the runtime as `<wrapper> <runtime...>`).
    pub env: Vec<(String, String)>,
    /// Whether processes inherit the emulator's environment (PATH, HOME...). Inherited
    /// `AWS_LAMBDA_*`, `AWS_LWA_*`, `_HANDLER` and `LAMBDA_*` variables are removed so
    /// a test run never depends on the caller's shell.
    pub inherit_env: bool,
    /// Working directory of the processes (the emulator's own when `None`).
    pub working_dir: Option<PathBuf>,
    /// Echo captured process output to stderr as it arrives.
    pub echo_logs: bool,
    /// This emulator owns its whole process (the CLI does): it becomes the child
    /// subreaper of the process, so every process the function starts stays a descendant
    /// however it detaches (daemons, double forks, `setsid`), and every reset and the
    /// shutdown kill every descendant of the process, as Lambda destroys the sandbox. Off
    /// by default: in a process running several emulators (a test suite) it would kill the
    /// others' processes; then only what descends from this emulator's own processes when
    /// they are stopped is killed.
    pub subreaper: bool,
    /// Record every Runtime/Extensions API request (on by default; benchmarks making
    /// many invocations can turn it off to keep memory flat).
    pub record_requests: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            function: FunctionConfig::default(),
            timeout: Duration::from_secs(3),
            init_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(2),
            max_concurrency: 1,
            port: None,
            extensions_dir: None,
            extensions: Vec::new(),
            runtime: None,
            env: Vec::new(),
            inherit_env: true,
            working_dir: None,
            echo_logs: false,
            subreaper: false,
            record_requests: true,
        }
    }
}

impl EmulatorConfig {
    /// Defaults: no processes (server only), 3 s timeout, 10 s init, 2 s grace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing is spawned.
    pub fn is_server_only(&self) -> bool {
        self.runtime.is_none() && self.extensions_dir.is_none() && self.extensions.is_empty()
    }

    /// Sets the runtime command.
    pub fn runtime_command<I, S>(mut self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.runtime = Some(argv.into_iter().map(Into::into).collect());
        self
    }

    /// Adds an extension process.
    pub fn extension<I, S>(mut self, name: impl Into<String>, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extensions.push(ExtensionCommand { name: name.into(), argv: argv.into_iter().map(Into::into).collect() });
        self
    }

    /// Sets the extensions directory.
    pub fn extensions_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.extensions_dir = Some(dir.into());
        self
    }

    /// Adds a function environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets the function timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the init limit.
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = timeout;
        self
    }

    /// Sets the SIGTERM-to-SIGKILL grace period.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Sets `AWS_LAMBDA_MAX_CONCURRENCY` (1 means a classic on-demand environment).
    pub fn max_concurrency(mut self, n: u32) -> Self {
        self.max_concurrency = n;
        self
    }

    /// Sets the Runtime API port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Echo process output to stderr.
    pub fn echo_logs(mut self, echo: bool) -> Self {
        self.echo_logs = echo;
        self
    }

    /// Makes the emulator the reaper of every process of its process (see
    /// [`Self::subreaper`](EmulatorConfig#structfield.subreaper)).
    pub fn subreaper(mut self, on: bool) -> Self {
        self.subreaper = on;
        self
    }

    /// Turns request recording on or off.
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// Sets the function name.
    pub fn function_name(mut self, name: impl Into<String>) -> Self {
        self.function.name = name.into();
        self
    }

    /// Whether this is a Lambda Managed Instances environment (concurrency above 1).
    pub fn is_managed_instances(&self) -> bool {
        self.max_concurrency > 1
    }

    /// The value of a function environment variable, if configured.
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}
