//! Eight bytes at a time (SWAR: SIMD within a register), for the scans of JSON text that
//! run on every invocation: finding the bytes to escape in a response body
//! ([`crate::response`]) and the whitespace to drop from a `requestContext`
//! ([`crate::event::minify`]).
//!
//! A mask has the high bit of each byte that matched set. Every byte that matches is
//! flagged; a borrow can also flag the byte just above a true match (never one below),
//! so the lowest flag is always right and a caller checks the others.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at the start of `bytes` as one word (first byte lowest), or `None`
/// when fewer are left.
pub(crate) fn word(bytes: &[u8]) -> Option<u64> {
    let (first, _) = bytes.split_first_chunk::<8>()?;
    Some(u64::from_le_bytes(*first))
}

/// The bytes of `word` below `bound`, which must be at most 0x7f: at 0x80 a borrow from
/// a lower match could hide a higher one (0x00 - 0x80 - 1 has no high bit).
pub(crate) fn below(word: u64, bound: u8) -> u64 {
    debug_assert!(bound <= 0x7f, "swar::below: bound {bound:#x} above 0x7f");
    word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGH
}

/// The bytes of `word` equal to `byte`.
pub(crate) fn equal(word: u64, byte: u8) -> u64 {
    below(word ^ (ONES * u64::from(byte)), 1)
}

/// The bytes of `word` below `bound`, equal to `a` or equal to `b` (the bytes a JSON
/// scan acts on: control characters or whitespace, the quote and the backslash).
pub(crate) fn below_or_either(word: u64, bound: u8, a: u8, b: u8) -> u64 {
    below(word, bound) | equal(word, a) | equal(word, b)
}

/// The flagged bytes of `mask`, lowest first, as offsets into its word.
pub(crate) fn flagged(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let offset = (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize)?;
        mask &= mask - 1;
        Some(offset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_match_is_flagged_and_the_lowest_flag_is_a_match() {
        for bound in [1u8, 0x20, 0x21, 0x7f] {
            for a in 0..=255u8 {
                for b in [0u8, 1, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5c, 0x5d, 0x7f, 0x80, 0xff] {
                    let bytes = [b'x', a, b, b'x', a, a, b, b];
                    let mask = below(word(&bytes).unwrap(), bound);
                    let offsets: Vec<usize> = flagged(mask).collect();
                    let matching: Vec<usize> = (0..8).filter(|&i| bytes[i] < bound).collect();
                    assert!(matching.iter().all(|i| offsets.contains(i)), "{bytes:?} < {bound}: {offsets:?}");
                    assert_eq!(offsets.first(), matching.first(), "{bytes:?} < {bound}");
                }
            }
        }
        // Sets that overlap (a quote and a slash are below 0x30) still flag each byte.
        let both = *b"\"!0\\a\"\\/";
        let union: Vec<usize> = flagged(below_or_either(word(&both).unwrap(), 0x30, b'"', b'/')).collect();
        assert_eq!(union[..2], [0, 1], "{union:?}");
        assert!(union.contains(&5) && union.contains(&7), "{union:?}");
        // And so do `a` and `b` when one flags the other's byte too (`#` after `"`).
        let pair: Vec<usize> = flagged(below_or_either(word(b"x\"#xxxxx").unwrap(), 0x20, b'"', b'#')).collect();
        assert_eq!(pair, [1, 2]);
        let text = *b"a\"b\\\"c#]";
        let quotes: Vec<usize> = flagged(equal(word(&text).unwrap(), b'"')).collect();
        assert_eq!(quotes[0], 1);
        assert!(quotes.contains(&4));
        assert_eq!(word(b"seven!!"), None);
    }
}
