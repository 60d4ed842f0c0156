//! The values the mutator puts in: field names and strings that matter to the adapter,
//! and values generated with `arbitrary`.

use arbitrary::Unstructured;
use serde_json::{Map, Number, Value};

use super::Rng;
use crate::{INTERESTING_HEADER_NAMES, INTERESTING_HEADER_VALUES};

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
pub(super) fn interesting(rng: &mut Rng) -> Value {
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

pub(super) fn generated_string(rng: &mut Rng) -> String {
    match generated(rng, 0) {
        Value::String(s) => s,
        other => other.to_string(),
    }
}
