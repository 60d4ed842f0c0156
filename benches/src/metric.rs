//! What the end-to-end driver measures: one [`Metric`] per figure of the report.

use serde::Serialize;

/// One figure of the end-to-end report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Process spawn to the first `GET /runtime/invocation/next`, app already listening.
    ColdStart,
    /// The same with an app that starts listening 200 ms after the spawn.
    ColdStartSlowApp,
    /// Warm latency of a small HTTP API (v2) event, median invocation of a run.
    WarmP50,
    /// Warm latency of the small event, 99th percentile of a run.
    WarmP99,
    /// [`Metric::WarmP50`] less the floor's median of the same run: what the adapter and
    /// the Runtime API round trip add to a direct call.
    WarmAddedP50,
    /// Warm latency of a 1 MiB response body (v2 event to `/big?kb=1024`), median.
    BigP50,
    /// Warm latency of the 1 MiB response body, 99th percentile.
    BigP99,
    /// Back-to-back invocations of the small event per second, one at a time.
    Throughput,
    /// Invocations per second with `AWS_LAMBDA_MAX_CONCURRENCY` invocations in flight.
    ThroughputConcurrent,
    /// User plus system CPU time of the adapter process per small invocation.
    CpuPerInvocation,
    /// Response streaming: invoke to the first body byte (Function URL event, `/stream`).
    StreamFirstByte,
    /// [`Metric::StreamFirstByte`] less the floor's of the same run.
    StreamFirstByteAdded,
    /// Response streaming bandwidth of a large body (`/big`), body bytes per second.
    StreamBandwidth,
    /// The adapter's resident memory right after init (`VmRSS`).
    IdleRss,
    /// The adapter's peak resident memory over the whole run (`VmHWM`, the largest of its
    /// processes of the run).
    PeakRss,
    /// The size of the adapter's executable.
    BinarySize,
}

/// Whether a smaller or a larger value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Times, memory, size.
    Lower,
    /// Rates.
    Higher,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 16] = [
        Metric::ColdStart,
        Metric::ColdStartSlowApp,
        Metric::WarmP50,
        Metric::WarmP99,
        Metric::WarmAddedP50,
        Metric::BigP50,
        Metric::BigP99,
        Metric::Throughput,
        Metric::ThroughputConcurrent,
        Metric::CpuPerInvocation,
        Metric::StreamFirstByte,
        Metric::StreamFirstByteAdded,
        Metric::StreamBandwidth,
        Metric::IdleRss,
        Metric::PeakRss,
        Metric::BinarySize,
    ];

    /// The key in the JSON report (`cold_start_ms`, ...): name and unit.
    pub fn key(self) -> &'static str {
        match self {
            Metric::ColdStart => "cold_start_ms",
            Metric::ColdStartSlowApp => "cold_start_slow_app_ms",
            Metric::WarmP50 => "warm_p50_us",
            Metric::WarmP99 => "warm_p99_us",
            Metric::WarmAddedP50 => "warm_added_p50_us",
            Metric::BigP50 => "big_1mib_p50_ms",
            Metric::BigP99 => "big_1mib_p99_ms",
            Metric::Throughput => "throughput_per_s",
            Metric::ThroughputConcurrent => "throughput_concurrent_per_s",
            Metric::CpuPerInvocation => "cpu_per_invocation_us",
            Metric::StreamFirstByte => "stream_first_byte_us",
            Metric::StreamFirstByteAdded => "stream_first_byte_added_us",
            Metric::StreamBandwidth => "stream_bandwidth_mib_s",
            Metric::IdleRss => "idle_rss_mib",
            Metric::PeakRss => "peak_rss_mib",
            Metric::BinarySize => "binary_size_mib",
        }
    }

    /// A human label for tables (`concurrency` is the configured number in flight).
    pub fn label(self, concurrency: u32) -> String {
        match self {
            Metric::ColdStart => "cold start, app listening".into(),
            Metric::ColdStartSlowApp => "cold start, app up after 200 ms".into(),
            Metric::WarmP50 => "warm latency p50, small v2 event".into(),
            Metric::WarmP99 => "warm latency p99, small v2 event".into(),
            Metric::WarmAddedP50 => "warm added latency p50 (minus floor)".into(),
            Metric::BigP50 => "warm latency p50, 1 MiB body".into(),
            Metric::BigP99 => "warm latency p99, 1 MiB body".into(),
            Metric::Throughput => "sequential throughput".into(),
            Metric::ThroughputConcurrent => format!("throughput, MAX_CONCURRENCY={concurrency}"),
            Metric::CpuPerInvocation => "adapter CPU per invocation".into(),
            Metric::StreamFirstByte => "streaming time to first byte".into(),
            Metric::StreamFirstByteAdded => "streaming first-byte delay (minus floor)".into(),
            Metric::StreamBandwidth => "streaming bandwidth".into(),
            Metric::IdleRss => "resident memory after init".into(),
            Metric::PeakRss => "peak resident memory".into(),
            Metric::BinarySize => "binary size".into(),
        }
    }

    /// The unit the values are in.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::ColdStart | Metric::ColdStartSlowApp | Metric::BigP50 | Metric::BigP99 => "ms",
            Metric::WarmP50
            | Metric::WarmP99
            | Metric::WarmAddedP50
            | Metric::CpuPerInvocation
            | Metric::StreamFirstByte
            | Metric::StreamFirstByteAdded => "µs",
            Metric::Throughput | Metric::ThroughputConcurrent => "inv/s",
            Metric::StreamBandwidth => "MiB/s",
            Metric::IdleRss | Metric::PeakRss | Metric::BinarySize => "MiB",
        }
    }

    /// Whether smaller or larger is better.
    pub fn better(self) -> Better {
        match self {
            Metric::Throughput | Metric::ThroughputConcurrent | Metric::StreamBandwidth => Better::Higher,
            _ => Better::Lower,
        }
    }

    /// Whether the floor (a direct call, no adapter) has this figure. The floor has no
    /// process of its own to spawn, measure or size, and its added latency is zero by
    /// definition.
    pub fn floor_has(self) -> bool {
        !matches!(
            self,
            Metric::ColdStart
                | Metric::WarmAddedP50
                | Metric::CpuPerInvocation
                | Metric::StreamFirstByteAdded
                | Metric::IdleRss
                | Metric::PeakRss
                | Metric::BinarySize
        )
    }

    /// For derived metrics, the measured metric it is computed from, per run, as the
    /// adapter's value less the floor's.
    pub fn minus_floor_of(self) -> Option<Metric> {
        match self {
            Metric::WarmAddedP50 => Some(Metric::WarmP50),
            Metric::StreamFirstByteAdded => Some(Metric::StreamFirstByte),
            _ => None,
        }
    }
}
