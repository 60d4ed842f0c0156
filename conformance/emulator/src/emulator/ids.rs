//! Identifiers the emulator hands out: request ids, extension ids, X-Ray trace ids.
//!
//! They only need to be unique and look like Lambda's, not to be unguessable, so they
//! come from std's randomly seeded SipHash over a process-wide counter (no extra crate).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 pseudo-random bits (unique per call within the process).
pub(crate) fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default());
    hasher.finish()
}

/// A version-4-shaped UUID, as Lambda uses for request and extension ids
/// (`8476a536-e9f4-11e8-9739-2dfe598c3fcd`).
pub(crate) fn uuid_v4() -> String {
    let hi = random_u64();
    let lo = random_u64();
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// Whether `s` has the 8-4-4-4-12 hex shape of a UUID (the Extensions API rejects
/// identifiers that do not parse as one with `Extension.InvalidExtensionIdentifier`).
pub(crate) fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5 && parts.iter().zip(lens).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A fresh X-Ray trace header as Lambda passes it in `Lambda-Runtime-Trace-Id`:
/// `Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0`.
pub(crate) fn xray_trace_id() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let a = random_u64();
    let b = random_u64();
    format!("Root=1-{:08x}-{:08x}{:016x};Parent={:016x};Sampled=0", secs & 0xffff_ffff, a >> 32, b, random_u64())
}

/// Milliseconds since the Unix epoch (the unit of `Lambda-Runtime-Deadline-Ms`).
pub(crate) fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_well_formed_and_distinct() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert!(is_uuid(&a), "{a}");
        assert_ne!(a, b);
        assert_eq!(&a[14..15], "4");
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("8476a536-e9f4-11e8-9739-2dfe598c3fcZ"));
    }

    #[test]
    fn trace_ids_look_like_xray() {
        let t = xray_trace_id();
        assert!(t.starts_with("Root=1-"), "{t}");
        let root = t.split(';').next().unwrap_or_default();
        assert_eq!(root.len(), "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700".len(), "{t}");
        assert!(t.contains(";Parent="));
        assert_ne!(t, xray_trace_id());
    }
}
