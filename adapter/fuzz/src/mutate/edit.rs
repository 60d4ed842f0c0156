//! The structural changes: values replaced or added, nodes removed or copied, strings
//! mutated byte-wise, headers added, the source-deciding fields rewritten.

use serde_json::{Map, Value};

use super::tree::{node, node_mut, pick_path, Step};
use super::values::{generated, generated_string, interesting, KEYS, STRINGS};
use super::{BytesMutator, Rng};
use crate::{INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES};

fn mutate_string(text: &str, rng: &mut Rng, bytes: BytesMutator<'_>) -> String {
    if rng.one_in(4) {
        return rng.pick(STRINGS).to_string();
    }
    let mut buf = text.as_bytes().to_vec();
    let size = buf.len();
    let max = (size * 2 + 16).min(size + 4096);
    buf.resize(max, 0);
    let new_size = bytes(&mut buf, size, max).min(max);
    buf.truncate(new_size);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Rewrites one of the fields that decide the source.
fn set_source_fields(root: &mut Value, rng: &mut Rng) {
    let Some(map) = root.as_object_mut() else { return };
    let context = map.entry("requestContext").or_insert_with(|| Value::Object(Map::new()));
    if !context.is_object() {
        *context = Value::Object(Map::new());
    }
    let Some(ctx) = context.as_object_mut() else { return };
    match rng.below(9) {
        0 => {
            ctx.insert("elb".into(), serde_json::json!({"targetGroupArn": STRINGS[39]}));
        }
        1 => {
            ctx.remove("elb");
        }
        2 => {
            ctx.insert("http".into(), serde_json::json!({"method": *rng.pick(&STRINGS[3..10])}));
            map.insert("version".into(), Value::from("2.0"));
        }
        3 => {
            ctx.insert("domainName".into(), Value::from(*rng.pick(&STRINGS[37..39])));
        }
        4 => {
            ctx.insert("resourcePath".into(), Value::from("/{proxy+}"));
            ctx.insert("stage".into(), Value::from("prod"));
        }
        5 => {
            map.insert("httpMethod".into(), Value::from(*rng.pick(&STRINGS[3..10])));
        }
        6 => {
            map.insert("rawPath".into(), Value::from(*rng.pick(&STRINGS[10..24])));
        }
        7 => {
            map.insert("path".into(), Value::from(*rng.pick(&STRINGS[10..24])));
        }
        _ => {
            map.remove(*rng.pick(&["version", "httpMethod", "rawPath", "requestContext"]));
        }
    }
}

/// Adds a header to `headers`, `multiValueHeaders` or `cookies`.
fn add_header(root: &mut Value, rng: &mut Rng) {
    let Some(map) = root.as_object_mut() else { return };
    let name = if rng.one_in(6) { generated_string(rng) } else { rng.pick(INTERESTING_HEADER_NAMES).to_string() };
    let value = if rng.one_in(6) { generated_string(rng) } else { rng.pick(INTERESTING_HEADER_VALUES).to_string() };
    match rng.below(5) {
        0 | 1 => {
            let headers = map.entry("headers").or_insert_with(|| Value::Object(Map::new()));
            if let Some(headers) = headers.as_object_mut() {
                headers.insert(name, Value::from(value));
            }
        }
        2 | 3 => {
            let headers = map.entry("multiValueHeaders").or_insert_with(|| Value::Object(Map::new()));
            if let Some(headers) = headers.as_object_mut() {
                match headers.get_mut(&name) {
                    Some(Value::Array(items)) => items.push(Value::from(value)),
                    _ => {
                        headers.insert(name, Value::Array(vec![Value::from(value)]));
                    }
                }
            }
        }
        _ => {
            let cookies = map.entry("cookies").or_insert_with(|| Value::Array(Vec::new()));
            if let Some(items) = cookies.as_array_mut() {
                items.push(Value::from(value));
            }
        }
    }
}

/// One structural change somewhere in `root`.
pub(super) fn mutate_once(root: &mut Value, rng: &mut Rng, bytes: BytesMutator<'_>, max_size: usize) {
    let path = pick_path(root, rng);
    match rng.below(12) {
        0 | 1 => {
            if let Some(node) = node_mut(root, &path) {
                *node = interesting(rng);
            }
        }
        2 => {
            if let Some(node) = node_mut(root, &path) {
                *node = generated(rng, 3);
            }
        }
        3 => {
            let value = interesting(rng);
            match node_mut(root, &path) {
                Some(Value::Object(map)) => {
                    let key = if rng.one_in(3) { generated_string(rng) } else { rng.pick(KEYS).to_string() };
                    map.insert(key, value);
                }
                Some(Value::Array(items)) => {
                    let at = rng.below(items.len() + 1);
                    items.insert(at, value);
                }
                Some(node) => *node = value,
                None => {}
            }
        }
        4 => {
            // Remove the node from its parent.
            if let Some((last, parent)) = path.split_last() {
                match (node_mut(root, parent), last) {
                    (Some(Value::Object(map)), Step::Key(key)) => {
                        map.remove(key);
                    }
                    (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
                        items.remove(*i);
                    }
                    _ => {}
                }
            }
        }
        5 | 6 => match node_mut(root, &path) {
            Some(Value::String(text)) => *text = mutate_string(text, rng, bytes),
            Some(Value::Object(map)) if !map.is_empty() => {
                let i = rng.below(map.len());
                let key = map.keys().nth(i).cloned().unwrap_or_default();
                if let Some(value) = map.remove(&key) {
                    map.insert(mutate_string(&key, rng, bytes), value);
                }
            }
            Some(Value::Number(_)) => *node_mut(root, &path).expect("just seen") = interesting(rng),
            Some(Value::Bool(b)) => *b = !*b,
            _ => {}
        },
        7 => add_header(root, rng),
        8 => set_source_fields(root, rng),
        9 => {
            // Copy another subtree over this one.
            let from = pick_path(root, rng);
            if let Some(copy) = node(root, &from).cloned() {
                if let Some(node) = node_mut(root, &path) {
                    *node = copy;
                }
            }
        }
        10 => {
            // Change a type the readers expect.
            if let Some(node) = node_mut(root, &path) {
                let swapped = match std::mem::take(node) {
                    Value::String(s) if rng.one_in(2) => Value::Array(vec![Value::String(s)]),
                    Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                    Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
                    Value::Object(map) => Value::Array(map.into_iter().map(|(_, v)| v).collect()),
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Null => Value::from(""),
                    other => other,
                };
                *node = swapped;
            }
        }
        _ => {
            // A long string (near a limit, or past one).
            if let Some(node) = node_mut(root, &path) {
                let unit = match node {
                    Value::String(s) if !s.is_empty() => s.clone(),
                    _ => rng.pick(&["a", "a,", "%", "\u{e9}", "ab; "]).to_string(),
                };
                let target = *rng.pick(&[255usize, 1024, 8 * 1024, 10_240, 16 * 1024, 65_536]);
                let times = (target / unit.len().max(1)).clamp(1, max_size / unit.len().max(1) / 2 + 1);
                *node = Value::String(unit.repeat(times));
            }
        }
    }
}
