//! Running the whole matrix: every case against every target, app and host, a few at a
//! time with a second try for a failure, then the cross-checks and the report.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::*;
use crate::container::host::Mounts;
use crate::report::Report;

/// Runs a case; a failed one once more. A second failure stands; a pass on the second try
/// is a pass that keeps what the first try saw ([`CaseResult::first_try`], listed apart in
/// the report). Deadline and chunk-timing cases on a loaded 2-core machine (the aarch64
/// adapter runs under qemu) miss their margins now and then; a defect fails both tries.
async fn run_with_retry(runnable: &Runnable, target: &Target, app: AppRef<'_>, paths: &Paths) -> Ran {
    let first = run_one(runnable, target, app, paths).await;
    if first.result.verdict != Verdict::Fail {
        return first;
    }
    let mut second = run_one(runnable, target, app, paths).await;
    if second.result.verdict == Verdict::Fail {
        return first;
    }
    second.result.first_try = Some(first.result.problems);
    second
}

/// Where and how a run happens: apps, hosts, parallelism.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The apps cases run against.
    pub apps: Vec<AppKind>,
    /// The hosts (the container host runs the real apps only).
    pub hosts: Vec<Host>,
    /// The static `lwa-conformance` mounted into containers as their agent (container host).
    pub container_tool: Option<PathBuf>,
    /// Cases run at once.
    pub jobs: usize,
}

impl Plan {
    /// The built-in echo app on the process host (needs nothing installed).
    pub fn echo(jobs: usize) -> Plan {
        Plan { apps: vec![AppKind::Echo], hosts: vec![Host::Process], container_tool: None, jobs }
    }
}

/// Runs everything against every target, app and host, `plan.jobs` at a time, calling
/// `progress` after each case; then checks that real apps agree with the echo app and
/// the container host with the process host.
pub async fn run_all(
    runnables: Vec<Runnable>,
    targets: &[Target],
    plan: &Plan,
    paths: &Paths,
    progress: impl Fn(&Ran) + Send + Sync + 'static,
) -> Result<(Report, Vec<Ran>), String> {
    let started = Instant::now();
    let adapter =
        targets.iter().map(|t| format!("{} ({})", t.adapter.display(), t.arch.name())).collect::<Vec<_>>().join(", ");
    let real: Vec<AppKind> = plan.apps.iter().copied().filter(|k| *k != AppKind::Echo).collect();
    let mut shared = std::collections::BTreeMap::new();
    if plan.hosts.contains(&Host::Process) {
        for &kind in &real {
            shared.insert(
                kind,
                Arc::new(AppProcess::start(kind, &paths.root, Duration::ZERO, Duration::from_secs(60)).await?),
            );
        }
    }
    let mut containers = std::collections::BTreeMap::new();
    if plan.hosts.contains(&Host::Container) && !real.is_empty() {
        let tool = plan.container_tool.clone().ok_or("the container host needs --container-tool")?;
        let mounts = Mounts {
            tool,
            adapters: targets.iter().map(|t| (t.arch, t.adapter.clone())).collect(),
            qemu: Some(PathBuf::from("/usr/bin/qemu-aarch64-static")),
        }
        .resolve()?;
        for &kind in &real {
            containers.insert(kind, Arc::new(ContainerApp::start(kind, &mounts).await?));
        }
    }
    let semaphore = Arc::new(Semaphore::new(plan.jobs.max(1)));
    let progress = Arc::new(progress);
    let mut tasks = tokio::task::JoinSet::new();
    for &host in &plan.hosts {
        for target in targets {
            for &kind in &plan.apps {
                if host == Host::Container && kind == AppKind::Echo {
                    continue; // the echo app runs in this process only
                }
                // Corpus events check the translation against the echo app's snapshots; they
                // do not apply to a real app.
                for runnable in runnables.iter().filter(|r| kind == AppKind::Echo || matches!(r, Runnable::Case(_))) {
                    let (semaphore, progress) = (semaphore.clone(), progress.clone());
                    let (runnable, target, paths) = (runnable.clone(), target.clone(), paths.clone());
                    let process = if host == Host::Process { shared.get(&kind).cloned() } else { None };
                    let container = if host == Host::Container { containers.get(&kind).cloned() } else { None };
                    tasks.spawn(async move {
                        let _permit = semaphore.acquire_owned().await;
                        let app = AppRef { kind, shared: process.as_deref(), container: container.as_deref() };
                        let ran = run_with_retry(&runnable, &target, app, &paths).await;
                        progress(&ran);
                        ran
                    });
                }
            }
        }
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(ran) = done {
            all.push(ran);
        }
    }
    drop(shared);
    drop(containers);
    cross_check(&mut all);
    cross_check_hosts(&mut all);
    // Results the cross-checks failed passed their own checks, so have no evidence yet.
    for ran in all.iter_mut().filter(|r| r.result.verdict != Verdict::Pass && r.result.detail.is_none()) {
        if let Some(runnable) = runnables.iter().find(|r| r.id() == ran.result.id) {
            ran.result.detail = Some(case_detail(runnable, paths, &ran.normalised, &ran.log_tail));
        }
    }
    let spec = load_spec(paths).map_err(|e| e.to_string())?;
    let mut report = Report::new(adapter);
    report.results = all.iter().map(|r| r.result.clone()).collect();
    for id in report.results.iter().flat_map(|r| &r.rules) {
        if let Some(rule) = spec.rule(id) {
            report.rules.entry(id.clone()).or_insert_with(|| rule.clone());
        }
    }
    report.finish(started.elapsed());
    Ok((report, all))
}
