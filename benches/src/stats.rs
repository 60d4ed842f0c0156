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

/// The percentiles `ps` (0-100) of `samples` by nearest rank, like [`percentile`] but from
/// one sort: `ps` of 0 and 100 are the smallest and the largest sample. The rank is
/// exact where `p` times the count is a whole hundred (p7 of 100 samples is the 7th, where
/// [`percentile`]'s `0.07 * 100` rounds up to the 8th). `None` for no (finite) samples.
///
/// ```
/// use lwa_benches::stats::percentiles;
/// let samples: Vec<f64> = (1..=200).rev().map(f64::from).collect();
/// assert_eq!(percentiles(&samples, &[0.0, 50.0, 99.0, 99.9, 100.0]), Some(vec![1.0, 100.0, 198.0, 200.0, 200.0]));
/// let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
/// assert_eq!(percentiles(&hundred, &[7.0, 99.9]), Some(vec![7.0, 100.0]));
/// let thousand: Vec<f64> = (1..=1000).map(f64::from).collect();
/// assert_eq!(percentiles(&thousand, &[99.9]), Some(vec![999.0]));
/// assert_eq!(percentiles(&[], &[50.0]), None);
/// ```
pub fn percentiles(samples: &[f64], ps: &[f64]) -> Option<Vec<f64>> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // A rank within a hair of a whole number is that number: the true rank p * n / 100
    // of a p with one decimal is a whole number or at least 1/1000 away from one.
    let rank = |p: f64| (p * n as f64 / 100.0 - 1e-9).ceil().clamp(1.0, n as f64) as usize;
    Some(ps.iter().map(|p| sorted[rank(*p) - 1]).collect())
}

/// The percentiles a distribution is kept at: every whole percentile from 0 (the
/// smallest sample) to 100 (the largest), and 99.9 for the tail.
pub fn distribution_points() -> Vec<f64> {
    let mut ps: Vec<f64> = (0..=99).map(f64::from).collect();
    ps.extend([99.9, 100.0]);
    ps
}

/// The index of the median of `values` (the lower middle one for an even count) in
/// their original order; `None` for no values. Picks a representative among several
/// measured things by one figure of each.
///
/// ```
/// use lwa_benches::stats::median_index;
/// assert_eq!(median_index(&[30.0, 10.0, 20.0]), Some(2));
/// assert_eq!(median_index(&[4.0, 1.0, 3.0, 2.0]), Some(3));
/// assert_eq!(median_index(&[]), None);
/// ```
pub fn median_index(values: &[f64]) -> Option<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    order.get(values.len().checked_sub(1)? / 2).copied()
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
