//! Zip packages on a managed runtime, end to end: the second way users install the
//! adapter (issue #8).
//!
//! The layer is made by `scripts/layer.sh` and unpacked as Lambda unpacks a layer, into
//! `<tmp>/opt` (`extensions/lambda-adapter`, `bootstrap`, execute bits kept); the function's
//! own zip (`tests/data/zip-app`: `run.sh` starting a small Python app) is unpacked into the
//! task root. The emulator then starts the function the way a managed runtime does: every
//! executable of `opt/extensions` as an extension, then the runtime's own command behind
//! `AWS_LAMBDA_EXEC_WRAPPER=<tmp>/opt/bootstrap`, with `_HANDLER=run.sh` and
//! `LAMBDA_TASK_ROOT`. The runtime command is a stand-in that must never run: the wrapper
//! replaces itself with the handler, so the app answers an HTTP API (v2) event through the
//! adapter and is the process that gets SIGTERM at shutdown.
//!
//! Architectures: x86_64 always (the debug adapter, built here), the x86_64 musl release
//! and aarch64 when `just build-release` made them. aarch64 also needs
//! `qemu-aarch64-static`; a missing binary or qemu skips that test with a note on stderr,
//! unless `LWA_REQUIRE_AARCH64=1`, which makes it a failure (for CI after `just
//! build-release`).

use crate::common::{reference_adapter as debug_adapter, repo_root as root, target_dir};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use lwa_conformance::{Emulator, EmulatorConfig, Invocation, Outcome};
use serde_json::{json, Value};

/// Unpacks a zip keeping each entry's Unix mode, as Lambda does for layers and function
/// code (Python's `extractall` drops the modes).
const UNZIP: &str = r#"
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o7777
        if mode:
            os.chmod(path, mode)
"#;

/// Zips the files of a folder (top level, sorted) with their Unix modes: what a user's
/// `zip -r function.zip .` makes of a function's code.
const ZIP_DIR: &str = r#"
import os, sys, zipfile
src, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        info = zipfile.ZipInfo.from_file(path, name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
"#;

/// `name mode size` of every entry, in zip order.
const LIST_ZIP: &str = r#"
import sys, zipfile
for info in zipfile.ZipFile(sys.argv[1]).infolist():
    print(info.filename, oct(info.external_attr >> 16), info.date_time[0], info.file_size)
"#;

/// What the stand-in for the managed runtime's command would print, were it started.
const RUNTIME_RAN: &str = "[runtime] the managed runtime ran";

/// The static release binary of `just build-release`, if it was built.
fn release_adapter(triple: &str) -> Option<PathBuf> {
    let path = target_dir().join(triple).join("release/lambda-adapter");
    path.is_file().then_some(path)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(program).is_file()))
}

/// Prints why a test did not run, or fails when `LWA_REQUIRE_AARCH64=1` asks for it.
fn skip(reason: &str) {
    assert!(std::env::var("LWA_REQUIRE_AARCH64").as_deref() != Ok("1"), "LWA_REQUIRE_AARCH64=1: {reason}");
    eprintln!("skipped: {reason}");
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn python(code: &str, args: &[&Path]) {
    let out = run(Command::new("python3").arg("-c").arg(code).args(args));
    assert!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Runs `scripts/layer.sh <arch>` on `binary` into `out`; returns the zip's path.
fn layer_zip(arch: &str, binary: &Path, out: &Path) -> PathBuf {
    let result = layer_sh(arch, binary, out);
    assert!(
        result.status.success(),
        "layer.sh {arch} failed:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    let zip = out.join(format!("lambda-adapter-{arch}.zip"));
    assert!(zip.is_file(), "layer.sh made {}", zip.display());
    zip
}

fn layer_sh(arch: &str, binary: &Path, out: &Path) -> Output {
    let var = if arch == "aarch64" { "LWA_LAYER_ADAPTER_AARCH64" } else { "LWA_LAYER_ADAPTER_X86_64" };
    run(Command::new(root().join("scripts/layer.sh")).arg(arch).env(var, binary).env("LWA_LAYER_OUT", out))
}

fn zip_listing(zip: &Path) -> String {
    let out = run(Command::new("python3").arg("-c").arg(LIST_ZIP).arg(zip));
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// A function deployed as a zip with the adapter's layer, laid out in a temp folder.
struct ZipFunction {
    dir: tempfile::TempDir,
}

impl ZipFunction {
    /// Unpacks the layer into `opt/` and the function's zip (made from
    /// tests/data/zip-app) into `var/task/`.
    fn new(layer_zip: &Path) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let function = Self { dir };
        python(UNZIP, &[layer_zip, &function.opt()]);

        // The user's side: chmod +x the start script, zip the folder.
        let src = function.dir.path().join("src");
        std::fs::create_dir(&src).unwrap();
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zip-app");
        for entry in std::fs::read_dir(&data).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), src.join(entry.file_name())).unwrap();
        }
        std::fs::set_permissions(src.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let function_zip = function.dir.path().join("function.zip");
        python(ZIP_DIR, &[&src, &function_zip]);
        python(UNZIP, &[&function_zip, &function.task_root()]);
        function
    }

    fn opt(&self) -> PathBuf {
        self.dir.path().join("opt")
    }

    fn task_root(&self) -> PathBuf {
        self.dir.path().join("var/task")
    }

    /// There is no binfmt on the build machines, so an aarch64 extension cannot be exec'd
    /// directly: the real binary moves out of the extensions folder, and a two-line sh
    /// extension of the same name runs it under qemu-aarch64-static. Lambda itself would
    /// exec the binary.
    fn run_extension_under_qemu(&self) {
        let real_dir = self.dir.path().join("aarch64");
        std::fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("lambda-adapter");
        let extension = self.opt().join("extensions/lambda-adapter");
        std::fs::rename(&extension, &real).unwrap();
        std::fs::write(&extension, format!("#!/bin/sh\nexec qemu-aarch64-static '{}' \"$@\"\n", real.display()))
            .unwrap();
        std::fs::set_permissions(&extension, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The emulator set up as a managed runtime with this layer and handler.
    fn config(&self, handler: &str, port: u16) -> EmulatorConfig {
        let mut config = EmulatorConfig::new()
            .extensions_dir(self.opt().join("extensions"))
            // The managed runtime's own command, which the wrapper must not start.
            .runtime_command(["/bin/sh", "-c", "echo the managed runtime ran; exit 1"])
            .env("AWS_LAMBDA_EXEC_WRAPPER", self.opt().join("bootstrap").to_string_lossy())
            .env("AWS_LWA_PORT", port.to_string())
            .env("PORT", port.to_string())
            .timeout(Duration::from_secs(10))
            .init_timeout(Duration::from_secs(10))
            .shutdown_grace(Duration::from_secs(2));
        config.function.handler = handler.into();
        config.function.task_root = self.task_root().to_string_lossy().into_owned();
        config
    }
}

fn v2_post(raw_path: &str, raw_query: &str, body: &str) -> Invocation {
    Invocation::json(&json!({
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": raw_query,
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", "content-type": "text/plain", "x-zip": "yes"},
        "requestContext": {
            "http": {"method": "POST", "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"},
            "domainName": "abc.execute-api.us-east-1.amazonaws.com", "stage": "$default", "requestId": "r1"
        },
        "body": body, "isBase64Encoded": false
    }))
}

/// The pid in the emulator's `started [runtime] ... (pid N)` line.
fn runtime_pid(logs: &str) -> Option<u64> {
    let line = logs.lines().find(|l| l.contains("started [runtime]"))?;
    line.rsplit_once("(pid ")?.1.trim_end_matches(')').parse().ok()
}

/// The whole path for one layer zip: init, one invocation through the adapter, shutdown.
async fn serves_through_the_layer(layer_zip: &Path, under_qemu: bool) {
    let function = ZipFunction::new(layer_zip);
    if under_qemu {
        function.run_extension_under_qemu();
    }
    let port = lwa_conformance::net::free_port().unwrap();
    let emulator = Emulator::start(function.config("run.sh", port)).await.unwrap();
    if let Err(failure) = emulator.wait_init().await {
        panic!("init failed: {failure:?}\n{}", emulator.log_text());
    }
    let outcome = emulator.invoke(v2_post("/echo/zip", "x=1&x=2", "hello from a zip")).await;
    let logs = emulator.log_text();
    let Outcome::Buffered { body, .. } = &outcome else { panic!("expected a response, got {outcome:?}\n{logs}") };
    let response: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(response["statusCode"], 200, "{response}\n{logs}");
    let seen: Value = serde_json::from_str(response["body"].as_str().expect("a text body")).unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/echo/zip?x=1&x=2");
    assert_eq!(seen["body"], "hello from a zip");
    assert_eq!(seen["headers"]["x-zip"], "yes");
    // The wrapper ran the handler from the task root and ignored the runtime's command...
    assert_eq!(seen["argv"], json!(["app.py"]), "{seen}");
    let cwd = PathBuf::from(seen["cwd"].as_str().unwrap());
    assert_eq!(cwd.canonicalize().unwrap(), function.task_root().canonicalize().unwrap());
    assert!(!logs.contains(RUNTIME_RAN), "{logs}");
    // ...by exec: the app is the runtime process itself (bootstrap -> run.sh -> python3).
    assert_eq!(seen["pid"].as_u64(), runtime_pid(&logs), "{logs}");
    // The adapter registered under the layer's file name.
    let names: Vec<String> = emulator.registrations().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["lambda-adapter"]);

    let report = emulator.shutdown().await;
    let logs = emulator.log_text();
    assert!(report.killed.is_empty(), "nothing needed SIGKILL: {report:?}\n{logs}");
    assert!(logs.contains("[runtime] SIGTERM received, shutting down"), "the app got SIGTERM:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_package_runs_through_the_x86_64_layer() {
    let out = tempfile::tempdir().unwrap();
    let zip = layer_zip("x86_64", &debug_adapter(), out.path());
    serves_through_the_layer(&zip, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_package_runs_through_the_x86_64_release_layer() {
    let Some(binary) = release_adapter("x86_64-unknown-linux-musl") else {
        return skip("no x86_64 release binary (run `just build-release`)");
    };
    let out = tempfile::tempdir().unwrap();
    let zip = layer_zip("x86_64", &binary, out.path());
    serves_through_the_layer(&zip, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_package_runs_through_the_aarch64_layer() {
    let Some(binary) = release_adapter("aarch64-unknown-linux-musl") else {
        return skip("no aarch64 release binary (run `just build-release`)");
    };
    if std::env::consts::ARCH != "aarch64" && !on_path("qemu-aarch64-static") {
        return skip("qemu-aarch64-static is not installed (run `just setup`)");
    }
    let out = tempfile::tempdir().unwrap();
    let zip = layer_zip("aarch64", &binary, out.path());
    serves_through_the_layer(&zip, std::env::consts::ARCH != "aarch64").await;
}

/// A handler that is not in the zip fails init the way Lambda reports a runtime that
/// exits, and the bootstrap's one-line reason is in the function's log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_handler_fails_init_with_the_reason_in_the_log() {
    let out = tempfile::tempdir().unwrap();
    let zip = layer_zip("x86_64", &small_elf(out.path()), out.path());
    let function = ZipFunction::new(&zip);
    // No adapter is needed to see the wrapper fail: the extensions folder is left empty.
    std::fs::remove_file(function.opt().join("extensions/lambda-adapter")).unwrap();
    let port = lwa_conformance::net::free_port().unwrap();
    let emulator = Emulator::start(function.config("start.sh", port)).await.unwrap();
    let failure = emulator.wait_init().await.expect_err("init fails");
    assert_eq!(failure.error_type, "Runtime.ExitError");
    assert!(failure.message.contains("exit status 127"), "{}", failure.message);
    let logs = emulator.log_text();
    let expected =
        format!("[runtime] lambda-adapter bootstrap: handler {}/start.sh not found", function.task_root().display());
    assert!(logs.contains(&expected), "{logs}");
    assert!(!logs.contains(RUNTIME_RAN), "{logs}");
    emulator.shutdown().await;
}

/// The first 4 KiB of the debug adapter: a valid x86_64 ELF header, enough for layer.sh's
/// architecture check, without zipping 50 MB.
fn small_elf(dir: &Path) -> PathBuf {
    let path = dir.join("small-elf");
    let bytes = std::fs::read(debug_adapter()).unwrap();
    std::fs::write(&path, &bytes[..4096]).unwrap();
    path
}

/// The zip holds exactly the paths Lambda expects, with execute bits, a fixed date, and
/// the same bytes on every run.
#[test]
fn layer_zip_has_the_paths_lambda_expects_and_is_reproducible() {
    let out = tempfile::tempdir().unwrap();
    let elf = small_elf(out.path());
    let first = std::fs::read(layer_zip("x86_64", &elf, &out.path().join("a"))).unwrap();
    let zip = layer_zip("x86_64", &elf, &out.path().join("b"));
    assert_eq!(first, std::fs::read(&zip).unwrap(), "the zip is reproducible");
    let bootstrap_size = std::fs::metadata(root().join("adapter/layer/bootstrap")).unwrap().len();
    assert_eq!(
        zip_listing(&zip),
        format!("bootstrap 0o100755 1980 {bootstrap_size}\nextensions/ 0o40755 1980 0\nextensions/lambda-adapter 0o100755 1980 4096\n")
    );
    // The folder beside the zip has the same layout.
    for file in ["b/x86_64/bootstrap", "b/x86_64/extensions/lambda-adapter"] {
        let mode = std::fs::metadata(out.path().join(file)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{file}");
    }
}

#[test]
fn layer_sh_refuses_a_missing_binary_and_the_wrong_architecture() {
    let out = tempfile::tempdir().unwrap();
    let missing = layer_sh("aarch64", Path::new("/nonexistent/lambda-adapter"), out.path());
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no aarch64 adapter at /nonexistent/lambda-adapter: run `just build-release` first"),
        "{stderr}"
    );

    let wrong = layer_sh("aarch64", &small_elf(out.path()), out.path());
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("is not an aarch64 ELF binary"), "{stderr}");
    assert!(!out.path().join("lambda-adapter-aarch64.zip").exists());

    let unknown = run(Command::new(root().join("scripts/layer.sh")).arg("riscv64"));
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown architecture 'riscv64'"));
}

/// Runs adapter/layer/bootstrap directly with only these variables (and PATH).
fn bootstrap(vars: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(root().join("adapter/layer/bootstrap"));
    cmd.env_clear().env("PATH", "/usr/bin:/bin").args(["/var/runtime/bootstrap", "--ignored"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// The one line a failing bootstrap prints, and its exit code.
fn failure(out: &Output) -> (i32, String) {
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("lambda-adapter bootstrap: "), "{stderr}");
    (out.status.code().expect("an exit code"), stderr.trim_end().to_owned())
}

#[test]
fn bootstrap_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let root_dir = dir.path();
    let handler = Path::new("run.sh");
    std::fs::write(root_dir.join("plain.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::create_dir(root_dir.join("folder")).unwrap();

    let (code, line) = failure(&bootstrap(&[("_HANDLER", handler)]));
    assert_eq!(code, 2);
    assert!(line.contains("LAMBDA_TASK_ROOT is not set"), "{line}");

    let (code, line) = failure(&bootstrap(&[("LAMBDA_TASK_ROOT", root_dir)]));
    assert_eq!(code, 2);
    assert!(line.contains("_HANDLER is not set"), "{line}");

    let (code, line) = failure(&bootstrap(&[("LAMBDA_TASK_ROOT", root_dir), ("_HANDLER", handler)]));
    assert_eq!(code, 127);
    assert!(line.contains(&format!("handler {}/run.sh not found", root_dir.display())), "{line}");

    let (code, line) = failure(&bootstrap(&[("LAMBDA_TASK_ROOT", root_dir), ("_HANDLER", Path::new("plain.sh"))]));
    assert_eq!(code, 126);
    assert!(line.contains(&format!("handler {}/plain.sh is not executable", root_dir.display())), "{line}");
    assert!(line.contains("chmod +x plain.sh"), "{line}");

    let (code, line) = failure(&bootstrap(&[("LAMBDA_TASK_ROOT", root_dir), ("_HANDLER", Path::new("folder"))]));
    assert_eq!(code, 126);
    assert!(line.contains("is not a file"), "{line}");
}

/// The handler replaces the wrapper: it gets no arguments (the runtime's command is
/// dropped), runs in the task root, and its exit status is the wrapper's.
#[test]
fn bootstrap_execs_the_handler_in_the_task_root() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("run.sh");
    std::fs::write(&script, "#!/bin/sh\necho \"args=$# pwd=$(pwd)\"\nexit 7\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = bootstrap(&[("LAMBDA_TASK_ROOT", dir.path()), ("_HANDLER", Path::new("run.sh"))]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("args=0 pwd={}", dir.path().display()));
    assert!(out.stderr.is_empty());
}
