//! The structure-aware mutator of `event_json`: corpus events are parsed, a few fields
//! changed (values replaced by ones that matter to the adapter or generated with
//! `arbitrary`, keys added or removed, headers added, the source-deciding fields
//! rewritten, subtrees moved, strings mutated byte-wise by libFuzzer), and written back
//! as JSON, sometimes with whitespace between tokens, `\u` escapes or a repeated key.
//! Inputs that are not JSON get libFuzzer's byte-level mutation, as does one in eight.
//!
//! libFuzzer's own mutator is passed in as `bytes`, so this module needs no libFuzzer and
//! its tests run under `cargo test`.

use arbitrary::Unstructured;
use serde_json::{Map, Number, Value};

use crate::{INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES};

/// libFuzzer's mutator: `(data, size, max_size) -> new size`.
pub type BytesMutator<'a> = &'a dyn Fn(&mut [u8], usize, usize) -> usize;

/// The keys that decide how an event is read.
pub const KEYS: &[&str] = &[
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "httpMethod",
    "path",
    "resource",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "cookies",
    "body",
    "isBase64Encoded",
    "requestContext",
    "elb",
    "targetGroupArn",
    "http",
    "method",
    "domainName",
    "resourcePath",
    "stage",
    "authorizer",
    "Records",
];

/// String values that matter to the adapter.
pub const STRINGS: &[&str] = &[
    "",
    "2.0",
    "1.0",
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "HEAD",
    "get",
    "G ET",
    "/",
    "/api",
    "/api/",
    "/api/items",
    "/apix",
    "//evil.example/x",
    "/a b",
    "/%",
    "/%zz",
    "/%2F",
    "/caf\u{e9}",
    "*",
    "?",
    "/#frag",
    "x",
    "a=1&b=2",
    "a b=%",
    "%",
    "aGVsbG8gd29ybGQ=",
    "aGVsbG8gd29ybGQ",
    "!!!",
    "true",
    "null",
    "\u{7f}",
    "\u{0}",
    "\r\n",
    "\t",
    "abc.lambda-url.us-east-1.on.aws",
    "x.execute-api.us-east-1.amazonaws.com",
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/0123456789abcdef",
    "\u{1f600}",
];

/// A small deterministic generator (SplitMix64), seeded by libFuzzer.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u32) -> Self {
        Rng(u64::from(seed) ^ 0x5851_f42d_4c95_7f2d)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True once in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// A random node: from the root, descend into a random child two times in three.
fn pick_path(root: &Value, rng: &mut Rng) -> Vec<Step> {
    let mut path = Vec::new();
    let mut node = root;
    loop {
        let len = match node {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        };
        if len == 0 || rng.one_in(3) {
            return path;
        }
        let i = rng.below(len);
        node = match node {
            Value::Object(map) => {
                let (key, child) = map.iter().nth(i).expect("in range");
                path.push(Step::Key(key.clone()));
                child
            }
            Value::Array(items) => {
                path.push(Step::Index(i));
                &items[i]
            }
            _ => unreachable!(),
        };
    }
}

fn node_mut<'a>(root: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = root;
    for step in path {
        node = match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key)?,
            (Value::Array(items), Step::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn node<'a>(root: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut node = root;
    for step in path {
        node = match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get(key)?,
            (Value::Array(items), Step::Index(i)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A value built with `arbitrary` from random bytes: nested at most `depth` deep.
pub fn generated(rng: &mut Rng, depth: u32) -> Value {
    let mut buf = [0u8; 96];
    for chunk in buf.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes()[..chunk.len()]);
    }
    let mut u = Unstructured::new(&buf);
    from_unstructured(&mut u, depth)
}

fn from_unstructured(u: &mut Unstructured<'_>, depth: u32) -> Value {
    let kind: u8 = u.int_in_range(0..=8).unwrap_or(0);
    match kind {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary().unwrap_or(false)),
        2 => Value::from(u.arbitrary::<i64>().unwrap_or(0)),
        3 => Number::from_f64(u.arbitrary::<f64>().unwrap_or(0.5)).map_or(Value::Null, Value::Number),
        4 => Value::from(*u.choose(STRINGS).unwrap_or(&"")),
        5 => Value::from(*u.choose(INTERESTING_HEADER_VALUES).unwrap_or(&"")),
        6 => Value::from(u.arbitrary::<String>().unwrap_or_default()),
        7 if depth > 0 => {
            let n = u.int_in_range(0..=3).unwrap_or(0);
            Value::Array((0..n).map(|_| from_unstructured(u, depth - 1)).collect())
        }
        8 if depth > 0 => {
            let n = u.int_in_range(0..=3).unwrap_or(0);
            let mut map = Map::new();
            for _ in 0..n {
                let key = match u.int_in_range(0..=2).unwrap_or(0) {
                    0 => u.choose(KEYS).map(|k| k.to_string()).unwrap_or_default(),
                    1 => u.choose(INTERESTING_HEADER_NAMES).map(|k| k.to_string()).unwrap_or_default(),
                    _ => u.arbitrary::<String>().unwrap_or_default(),
                };
                map.insert(key, from_unstructured(u, depth - 1));
            }
            Value::Object(map)
        }
        _ => Value::from(""),
    }
}

/// A value that matters to the adapter, or a generated one.
fn interesting(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::from(*rng.pick(&[0i64, 1, -1, 200, 65_536, i64::MAX, i64::MIN])),
        3 => Value::from(u64::MAX),
        4 | 5 => Value::from(*rng.pick(STRINGS)),
        6 => Value::from(*rng.pick(INTERESTING_HEADER_VALUES)),
        _ => generated(rng, 2),
    }
}

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

fn generated_string(rng: &mut Rng) -> String {
    match generated(rng, 0) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// One structural change somewhere in `root`.
fn mutate_once(root: &mut Value, rng: &mut Rng, bytes: BytesMutator<'_>, max_size: usize) {
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

/// How the mutated event is written back.
#[derive(Clone, Copy)]
struct Style {
    spaces: bool,
    escapes: bool,
    duplicates: bool,
}

fn whitespace(out: &mut Vec<u8>, style: Style, rng: &mut Rng) {
    if style.spaces && rng.one_in(3) {
        out.extend_from_slice(rng.pick(&[" ", "\n", "\t", "\r\n", "  "]).as_bytes());
    }
}

fn write_str(out: &mut Vec<u8>, text: &str, style: Style, rng: &mut Rng) {
    if !style.escapes {
        serde_json::to_writer(&mut *out, text).expect("writing to a Vec");
        return;
    }
    out.push(b'"');
    for c in text.chars() {
        let must = c == '"' || c == '\\' || (c as u32) < 0x20;
        if must || rng.one_in(4) {
            if c == '/' && rng.one_in(2) {
                out.extend_from_slice(b"\\/");
                continue;
            }
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let hex = if rng.one_in(2) { format!("\\u{unit:04x}") } else { format!("\\u{unit:04X}") };
                out.extend_from_slice(hex.as_bytes());
            }
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out.push(b'"');
}

fn write_value(out: &mut Vec<u8>, value: &Value, style: Style, rng: &mut Rng) {
    match value {
        Value::String(text) => write_str(out, text, style, rng),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                whitespace(out, style, rng);
                write_value(out, item, style, rng);
            }
            whitespace(out, style, rng);
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            let mut first = true;
            let mut entry = |out: &mut Vec<u8>, key: &str, value: &Value, rng: &mut Rng| {
                if !first {
                    out.push(b',');
                }
                first = false;
                whitespace(out, style, rng);
                write_str(out, key, style, rng);
                whitespace(out, style, rng);
                out.push(b':');
                whitespace(out, style, rng);
                write_value(out, value, style, rng);
            };
            // A key twice: JSON allows it, readers differ on it.
            let duplicate = (style.duplicates && !map.is_empty() && rng.one_in(4)).then(|| rng.below(map.len()));
            for (i, (key, value)) in map.iter().enumerate() {
                if duplicate == Some(i) {
                    let other = interesting(rng);
                    if rng.one_in(2) {
                        entry(out, key, &other, rng);
                        entry(out, key, value, rng);
                    } else {
                        entry(out, key, value, rng);
                        entry(out, key, &other, rng);
                    }
                } else {
                    entry(out, key, value, rng);
                }
            }
            whitespace(out, style, rng);
            out.push(b'}');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing to a Vec"),
    }
}

/// Writes `value` as JSON in a random style.
fn serialize(value: &Value, rng: &mut Rng) -> Vec<u8> {
    let style = Style { spaces: rng.one_in(4), escapes: rng.one_in(5), duplicates: rng.one_in(8) };
    let mut out = Vec::new();
    write_value(&mut out, value, style, rng);
    out
}

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
