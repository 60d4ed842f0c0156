//! The event's `requestContext` for `x-amzn-request-context`: read exactly as sent, and
//! minified into one header line.

use crate::swar;

/// The event's `requestContext` exactly as sent.
pub(super) fn raw_request_context(event: &[u8]) -> Option<&serde_json::value::RawValue> {
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(rename = "requestContext", borrow, default)]
        request_context: Option<&'a serde_json::value::RawValue>,
    }
    serde_json::from_slice::<Raw<'_>>(event).ok()?.request_context
}

/// JSON text without the whitespace between tokens (strings untouched), so a
/// pretty-printed `requestContext` fits in one header line exactly as sent otherwise.
///
/// ```
/// # use lambda_web_adapter::event::minify;
/// assert_eq!(minify("{ \"a\" : [1, 2],\n \"b\": \"x y\" }"), "{\"a\":[1,2],\"b\":\"x y\"}");
/// ```
pub fn minify(json: &str) -> std::borrow::Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut scan = Minify { in_string: false, escaped: 0, run: 0, out: None };
    // Only quotes, backslashes and whitespace (all below 0x21 that JSON text may hold
    // unescaped) change anything: the bytes between are passed over eight at a time.
    let mut at = 0;
    while let Some(word) = swar::word(&bytes[at..]) {
        let mask = swar::below_or_either(word, 0x21, b'"', b'\\');
        for i in swar::flagged(mask).map(|offset| at + offset) {
            scan.byte(json, i);
        }
        at += 8;
    }
    for i in at..bytes.len() {
        scan.byte(json, i);
    }
    match scan.out {
        None => std::borrow::Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(&json[scan.run..]);
            std::borrow::Cow::Owned(out)
        }
    }
}

/// The state of [`minify`]'s scan. The bytes it acts on (quote, backslash, whitespace)
/// are ASCII and never part of a multi-byte UTF-8 sequence, so runs of other bytes are
/// copied whole.
struct Minify {
    in_string: bool,
    /// The byte at this offset is escaped by the backslash before it (`\"` does not end
    /// a string); the other bytes of an escape (`\u00e9`) are never acted on. 0 at first:
    /// no string is open at offset 0, so it matches nothing.
    escaped: usize,
    /// Where the bytes not yet copied start.
    run: usize,
    /// The minified text, once there is whitespace to drop (none: the text as it is).
    out: Option<String>,
}

impl Minify {
    fn byte(&mut self, json: &str, i: usize) {
        let byte = json.as_bytes()[i];
        if self.in_string {
            if i == self.escaped {
                return;
            }
            match byte {
                b'\\' => self.escaped = i + 1,
                b'"' => self.in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            self.in_string = true;
        } else if matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
            let out = self.out.get_or_insert_with(|| String::with_capacity(json.len()));
            out.push_str(&json[self.run..i]);
            self.run = i + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan byte by byte, as minify was before it went eight bytes at a time.
    fn oracle(json: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in json.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            } else if matches!(c, ' ' | '\n' | '\r' | '\t') {
                continue;
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn whitespace_between_tokens_goes_and_strings_stay_as_sent() {
        let cases = [
            "{}",
            "{\"a\":1}",
            "{ \"a\" : [1, 2],\n \"b\": \"x y\" }",
            "{\"time\":\"12/Mar/2020:19:03:58 +0000\",\"ua\":\"curl/8 (x86_64)\"}",
            "{\"q\":\"a \\\" b\" , \"r\" : \"\\\\\" , \"s\" :\"\\u0020 \\n\"\t}",
            "{\"e\":\"caf\u{e9} \u{1f600}\"\r\n}",
            "[\"\\\\\",\"\\\\\\\"\" , 1 ]",
        ];
        for json in cases {
            assert_eq!(minify(json), oracle(json), "{json:?}");
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let again: serde_json::Value = serde_json::from_str(&minify(json)).unwrap();
            assert_eq!(value, again, "{json:?}");
        }
        assert!(matches!(minify("{\"a b\":\"c d\"}"), std::borrow::Cow::Borrowed(_)), "nothing to drop: no copy");
    }

    /// Every placement of a quote, backslash and space around the edges of a word.
    #[test]
    fn minify_agrees_with_the_byte_scan_everywhere() {
        let pieces = ["\"", "\\\\", "\\\"", " ", "\n", "#", "]", "!", "a", "{", "\u{e9}"];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..400 {
            let mut text = String::from("[\"");
            for _ in 0..len % 40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            // Not always valid JSON; the scan must still agree on what it drops.
            assert_eq!(minify(&text), oracle(&text), "{text:?}");
        }
    }
}
