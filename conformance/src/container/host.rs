//! The container host: a sample app's Lambda container image (`just images`) started with
//! testcontainers in Lambda's sandbox, the suite's agent as its entrypoint wrapper, and
//! cases sent to that agent.
//!
//! What is mounted (read-only) under `/opt/lwa`: the static `lwa-conformance` (the
//! entrypoint), the adapter binaries under test (`x86_64/lambda-adapter`,
//! `aarch64/lambda-adapter`) and,
//! when the machine cannot run aarch64 code natively and has no binfmt, the static
//! `qemu-aarch64-static` that runs the aarch64 adapter inside the x86_64 image.
//!
//! The sandbox imitates Lambda's: read-only root file system, a writable `/tmp` of 512 MB
//! only, a non-root user, a memory limit of the function's memory size, and the
//! environment the emulator sets per case (`AWS_LAMBDA_FUNCTION_NAME`,
//! `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `LAMBDA_TASK_ROOT`, `AWS_LAMBDA_RUNTIME_API`, ...).
//! The only port is the agent's, published on the machine's loopback.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use testcontainers::core::{IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::wire::{CaseReply, CaseRequest, AGENT_PORT, CASES_PATH, READY_LINE};
use crate::apps::AppKind;
use crate::arch::Arch;
use crate::case::Observation;

/// Where the suite's tools are mounted inside the container.
pub const MOUNT_DIR: &str = "/opt/lwa";
/// The user the sandbox runs as (Lambda runs functions as a non-root user).
pub const SANDBOX_USER: &str = "993:990";
/// The function's memory size, and so the container's memory limit.
pub const MEMORY_MB: i64 = 512;
/// The size of the writable `/tmp`.
pub const TMP_BYTES: i64 = 512 * 1024 * 1024;

/// Where the adapter under test for `arch` is mounted. The file is named `lambda-adapter`
/// whatever the binary's name outside: an extension registers under its file name, and
/// the emulator (as Lambda) expects the name it started it as.
pub fn adapter_path(arch: Arch) -> String {
    format!("{MOUNT_DIR}/{}/lambda-adapter", arch.name())
}

/// The adapter's command line inside the container for `arch`.
pub fn adapter_argv(arch: Arch) -> Vec<String> {
    match arch {
        Arch::Aarch64 if std::env::consts::ARCH != "aarch64" => {
            vec![format!("{MOUNT_DIR}/qemu-aarch64-static"), adapter_path(arch)]
        }
        _ => vec![adapter_path(arch)],
    }
}

/// The image of a sample app, as `just images` tags it.
pub fn image_of(kind: AppKind) -> String {
    format!("lwa-{}:latest", kind.name())
}

/// What the container host mounts into every container.
#[derive(Debug, Clone)]
pub struct Mounts {
    /// A static (or bookworm-compatible) `lwa-conformance`: the agent.
    pub tool: PathBuf,
    /// The adapters under test, by architecture.
    pub adapters: Vec<(Arch, PathBuf)>,
    /// `qemu-aarch64-static`, for aarch64 adapters on an x86_64 machine.
    pub qemu: Option<PathBuf>,
}

impl Mounts {
    /// Checks that every file exists and makes the paths absolute (bind mounts need it).
    pub fn resolve(self) -> Result<Mounts, String> {
        let absolute = |p: &Path, what: &str| {
            p.canonicalize()
                .map_err(|e| format!("{what} {}: {e} (see `just images` and `just conformance`)", p.display()))
        };
        let mut adapters = Vec::new();
        for (arch, path) in &self.adapters {
            adapters.push((*arch, absolute(path, &format!("the {} adapter", arch.name()))?));
        }
        let needs_qemu = adapters.iter().any(|(a, _)| *a == Arch::Aarch64) && std::env::consts::ARCH != "aarch64";
        let qemu = match (&self.qemu, needs_qemu) {
            (Some(q), true) => Some(absolute(q, "qemu-aarch64-static")?),
            (None, true) => return Err("an aarch64 adapter needs qemu-aarch64-static (just setup)".into()),
            _ => None,
        };
        Ok(Mounts { tool: absolute(&self.tool, "the in-container lwa-conformance")?, adapters, qemu })
    }
}

/// The `CMD` of a local image (`docker image inspect`), which the agent starts as the app.
pub fn image_command(image: &str) -> Result<Vec<String>, String> {
    let output = std::process::Command::new("docker")
        .args(["image", "inspect", "--format", "{{json .Config.Cmd}}", image])
        .output()
        .map_err(|e| format!("docker image inspect {image}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "no image {image} ({}); build the images with `just images`",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let cmd: Option<Vec<String>> = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("docker image inspect {image}: the CMD is not a list of strings: {e}"))?;
    cmd.filter(|c| !c.is_empty()).ok_or_else(|| format!("the image {image} has no CMD to start the app with"))
}

/// One app's container, running the agent.
pub struct ContainerApp {
    kind: AppKind,
    container: ContainerAsync<GenericImage>,
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for ContainerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerApp").field("kind", &self.kind).field("id", &self.container.id()).finish()
    }
}

impl ContainerApp {
    /// Starts `kind`'s image in the sandbox and waits until its app answers.
    pub async fn start(kind: AppKind, mounts: &Mounts) -> Result<ContainerApp, String> {
        let image = image_of(kind);
        let command = image_command(&image)?;
        let (name, tag) = image.split_once(':').unwrap_or((&image, "latest"));
        let tool = format!("{MOUNT_DIR}/lwa-conformance");
        let mut request = GenericImage::new(name, tag)
            .with_entrypoint(&tool)
            .with_exposed_port(AGENT_PORT.tcp())
            .with_wait_for(WaitFor::message_on_stdout(READY_LINE))
            .with_cmd(
                ["container", "--cases", "--listen", &format!("0.0.0.0:{AGENT_PORT}"), "--"]
                    .into_iter()
                    .map(str::to_owned)
                    .chain(command),
            )
            .with_mount(Mount::bind_mount(mounts.tool.to_string_lossy(), &tool).with_access_mode(read_only()))
            .with_readonly_rootfs(true)
            .with_user(SANDBOX_USER)
            .with_label("org.lwa.suite", "conformance")
            .with_startup_timeout(Duration::from_secs(120))
            .with_host_config_modifier(|config| {
                config.memory = Some(MEMORY_MB * 1024 * 1024);
                config.memory_swap = Some(MEMORY_MB * 1024 * 1024);
                // Lambda's /tmp: writable by the function's user, 512 MB.
                let mut tmpfs = std::collections::HashMap::new();
                tmpfs.insert("/tmp".to_owned(), format!("rw,exec,size={TMP_BYTES},mode=1777"));
                config.tmpfs = Some(tmpfs);
            });
        for (arch, path) in &mounts.adapters {
            request = request.with_mount(
                Mount::bind_mount(path.to_string_lossy(), adapter_path(*arch)).with_access_mode(read_only()),
            );
        }
        if let Some(qemu) = &mounts.qemu {
            let target = format!("{MOUNT_DIR}/qemu-aarch64-static");
            request =
                request.with_mount(Mount::bind_mount(qemu.to_string_lossy(), target).with_access_mode(read_only()));
        }
        let container = request.start().await.map_err(|e| format!("{image} did not start: {e}"))?;
        let port = container
            .get_host_port_ipv4(AGENT_PORT.tcp())
            .await
            .map_err(|e| format!("{image}: the agent's port is not published: {e}"))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(ContainerApp { kind, container, base: format!("http://127.0.0.1:{port}"), client })
    }

    /// The app it runs.
    pub fn kind(&self) -> AppKind {
        self.kind
    }

    /// Runs one case in the container; the observation and the emulator's log.
    pub async fn run_case(&self, request: &CaseRequest) -> Result<(Observation, String), String> {
        let body = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        let http = http::Request::post(format!("{}{CASES_PATH}", self.base))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        // The case's own timeout, its app's start delay, and the adapter's start under qemu.
        let limit = Duration::from_millis(request.timeout_ms + request.start_delay_ms) + Duration::from_secs(90);
        let answer = tokio::time::timeout(limit, async {
            let response = self.client.request(http).await.map_err(|e| format!("the agent: {e}"))?;
            let status = response.status();
            let bytes = response.into_body().collect().await.map_err(|e| format!("the agent's answer: {e}"))?;
            Ok::<_, String>((status, bytes.to_bytes()))
        })
        .await
        .map_err(|_| format!("the agent in {} did not answer within {limit:?}", image_of(self.kind)))??;
        let (status, bytes) = answer;
        if !status.is_success() {
            return Err(format!(
                "the agent in {} answered {status}: {}",
                image_of(self.kind),
                String::from_utf8_lossy(&bytes)
            ));
        }
        let reply: CaseReply =
            serde_json::from_slice(&bytes).map_err(|e| format!("the agent's answer is not a case reply: {e}"))?;
        Ok((Observation::try_from(reply.observation)?, reply.logs))
    }
}

fn read_only() -> testcontainers::core::AccessMode {
    testcontainers::core::AccessMode::ReadOnly
}
