//! Order statistics over samples: medians and nearest-rank percentiles.

use std::time::Duration;

/// The `p`-th percentile (0-100) by nearest rank; `None` for no samples.
///
/// ```
/// use lwa_benches::stats::percentile;
/// let samples = [5.0, 1.0, 4.0, 2.0, 3.0];
/// assert_eq!(percentile(&samples, 50.0), Some(3.0));
/// assert_eq!(percentile(&samples, 99.0), Some(5.0));
/// assert_eq!(percentile(&samples, 0.0), Some(1.0));
/// assert_eq!(percentile(&[], 50.0), None);
/// ```
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The median (the mean of the two middle values for an even count); `None` for no samples.
///
/// ```
/// use lwa_benches::stats::median;
/// assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
/// ```
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) / 2.0 } else { sorted[mid] })
}

/// Durations as microseconds.
pub fn micros(durations: &[Duration]) -> Vec<f64> {
    durations.iter().map(|d| d.as_secs_f64() * 1e6).collect()
}
