//! The mutated event written back as JSON in a random style: whitespace between tokens,
//! `\u` escapes, a repeated key.

use serde_json::Value;

use super::values::interesting;
use super::Rng;

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
pub(super) fn serialize(value: &Value, rng: &mut Rng) -> Vec<u8> {
    let style = Style { spaces: rng.one_in(4), escapes: rng.one_in(5), duplicates: rng.one_in(8) };
    let mut out = Vec::new();
    write_value(&mut out, value, style, rng);
    out
}
