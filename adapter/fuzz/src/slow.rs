//! Inputs that cost more than a budget of CPU time (100 ms by default).
//!
//! libFuzzer's own `-timeout` and `-report_slow_units` take whole seconds, so the targets
//! time themselves: the calling thread's CPU time (not wall time, which other builds on a
//! shared machine would inflate) around each input. An input over the budget is written
//! to `$LWA_FUZZ_SLOW_DIR` (when set) and reported on stderr; with `LWA_FUZZ_SLOW_PANIC=1`
//! it panics instead, so libFuzzer stops and saves it as a crash.

use std::sync::OnceLock;
use std::time::Duration;

struct Settings {
    budget: Duration,
    dir: Option<std::path::PathBuf>,
    panic: bool,
}

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| Settings {
        budget: Duration::from_millis(
            std::env::var("LWA_FUZZ_SLOW_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(100),
        ),
        dir: std::env::var_os("LWA_FUZZ_SLOW_DIR").filter(|d| !d.is_empty()).map(Into::into),
        panic: std::env::var("LWA_FUZZ_SLOW_PANIC").is_ok_and(|v| v == "1"),
    })
}

/// CPU time used by the calling thread so far.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the kernel knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// FNV-1a, to name saved inputs after their content.
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Runs `check` on `data`, reporting the input if it took more than the budget.
pub fn timed<R>(target: &str, data: &[u8], check: impl FnOnce() -> R) -> R {
    let start = thread_cpu_time();
    let result = check();
    let spent = thread_cpu_time().saturating_sub(start);
    let settings = settings();
    if spent > settings.budget {
        let ms = spent.as_millis();
        let mut saved = String::new();
        if let Some(dir) = &settings.dir {
            let path = dir.join(format!("slow-{:016x}", fnv1a(data)));
            if std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, data)).is_ok() {
                saved = format!(", saved as {}", path.display());
            }
        }
        eprintln!("lwa-fuzz: SLOW {target}: {ms} ms of CPU for a {}-byte input{saved}", data.len());
        if settings.panic {
            panic!("{target}: {ms} ms of CPU for one input (budget {} ms)", settings.budget.as_millis());
        }
    }
    result
}
