//! The structure-aware mutator of `event_json`: corpus events are parsed, a few fields
//! changed (values replaced by ones that matter to the adapter or generated with
//! `arbitrary`, keys added or removed, headers added, the source-deciding fields
//! rewritten, subtrees moved, strings mutated byte-wise by libFuzzer), and written back
//! as JSON, sometimes with whitespace between tokens, `\u` escapes or a repeated key.
//! Inputs that are not JSON get libFuzzer's byte-level mutation, as does one in eight.
//!
//! libFuzzer's own mutator is passed in as `bytes`, so this module needs no libFuzzer and
//! its tests run under `cargo test`.

mod edit;
mod rng;
mod tree;
mod values;
mod write;

use serde_json::Value;

use edit::mutate_once;
pub use rng::Rng;
use tree::{node, node_mut, pick_path, Step};
pub use values::{generated, KEYS, STRINGS};
use write::serialize;

/// libFuzzer's mutator: `(data, size, max_size) -> new size`.
pub type BytesMutator<'a> = &'a dyn Fn(&mut [u8], usize, usize) -> usize;

fn put(data: &mut [u8], out: &[u8]) -> usize {
    data[..out.len()].copy_from_slice(out);
    out.len()
}

/// The custom mutator: `data[..size]` mutated in place, at most `max_size` bytes.
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32, bytes: BytesMutator<'_>) -> usize {
    let mut rng = Rng::new(seed);
    let fallback = |data: &mut [u8]| bytes(data, size, max_size);
    if rng.one_in(8) {
        return fallback(data);
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&data[..size]) else { return fallback(data) };
    for _ in 0..1 + rng.below(3) {
        mutate_once(&mut value, &mut rng, bytes, max_size);
    }
    let out = serialize(&value, &mut rng);
    if out.len() > max_size || out.len() > data.len() {
        return fallback(data);
    }
    put(data, &out)
}

/// The custom cross-over: a subtree of the second event grafted into the first.
pub fn crossover(first: &[u8], second: &[u8], out: &mut [u8], seed: u32) -> usize {
    let mut rng = Rng::new(seed);
    if let (Ok(mut a), Ok(b)) = (serde_json::from_slice::<Value>(first), serde_json::from_slice::<Value>(second)) {
        let from = pick_path(&b, &mut rng);
        let graft = node(&b, &from).cloned().unwrap_or(Value::Null);
        let to = pick_path(&a, &mut rng);
        match node_mut(&mut a, &to) {
            Some(Value::Object(map)) if rng.one_in(2) => {
                let key = match from.last() {
                    Some(Step::Key(key)) => key.clone(),
                    _ => rng.pick(KEYS).to_string(),
                };
                map.insert(key, graft);
            }
            Some(node) => *node = graft,
            None => {}
        }
        let bytes = serialize(&a, &mut rng);
        if bytes.len() <= out.len() {
            return put(out, &bytes);
        }
    }
    // Not both JSON (or too long): a prefix of one and a suffix of the other.
    let cut1 = rng.below(first.len() + 1);
    let cut2 = rng.below(second.len() + 1);
    let head = &first[..cut1.min(out.len())];
    let tail = &second[cut2..];
    let tail = &tail[..tail.len().min(out.len() - head.len())];
    out[..head.len()].copy_from_slice(head);
    out[head.len()..head.len() + tail.len()].copy_from_slice(tail);
    head.len() + tail.len()
}
