//! A JSON string writer for the one big string of a buffered response, its body.
//!
//! serde_json checks a string byte by byte against its escape table; for the body of a
//! response, the longest string the adapter writes by far, that check was the largest
//! single cost of an invocation (about a tenth of its instructions with a 2 KB JSON
//! answer). [`push_str`] checks eight bytes at a time ([`crate::swar`]) and copies the runs that need no
//! escape whole. Its output is byte for byte serde_json's (a test holds it to that).

use crate::swar;

/// Appends `text` to `out` as a JSON string, quotes included, escaped as serde_json does:
/// `"` and `\` with a backslash, `\b \f \n \r \t` by name, every other control character
/// below U+0020 as `\u00xx` (lowercase hex), everything else (non-ASCII and DEL too) as is.
/// The caller sizes `out` (a body is written into a buffer reserved for it).
pub(crate) fn push_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.push(b'"');
    // `bytes[start..at]` needs no escape and is not yet copied.
    let (mut start, mut at) = (0, 0);
    while let Some(word) = swar::word(&bytes[at..]) {
        let mask = swar::below_or_either(word, 0x20, b'"', b'\\');
        if mask == 0 {
            at += 8;
            continue;
        }
        // Each flagged byte in turn, without reading the word again; a false flag (a
        // space after a control character, `#` after `"`, `]` after `\`) is checked away.
        for i in swar::flagged(mask).map(|offset| at + offset) {
            if needs_escape(bytes[i]) {
                out.extend_from_slice(&bytes[start..i]);
                push_escape(out, bytes[i]);
                start = i + 1;
            }
        }
        at += 8;
    }
    for (i, &byte) in bytes.iter().enumerate().skip(at) {
        if needs_escape(byte) {
            out.extend_from_slice(&bytes[start..i]);
            push_escape(out, byte);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

fn push_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let named = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', named]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(text: &str) -> String {
        let mut out = Vec::new();
        push_str(&mut out, text);
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn every_ascii_character_is_written_as_serde_json_writes_it() {
        for c in (0u8..=0x7f).map(char::from) {
            // Alone, and at each place of an eight-byte word (the fast check's edges).
            for at in 0..10 {
                let text = format!("{}{c}{}", "a".repeat(at), "b".repeat(9 - at));
                assert_eq!(ours(&text), serde_json::to_string(&text).unwrap(), "{c:?} at {at}");
            }
        }
    }

    /// A byte flagged by a borrow from the one before it (a space after a control
    /// character, `#` after `"`, `]` after `\\`) must not be escaped: every pair, within a
    /// word and across two.
    #[test]
    fn every_pair_of_ascii_characters_is_written_as_serde_json_writes_it() {
        for first in (0u8..=0x7f).map(char::from) {
            for second in (0u8..=0x7f).map(char::from) {
                for at in [0, 6, 7] {
                    let text = format!("{}{first}{second}{}", "a".repeat(at), "b".repeat(14 - at));
                    assert_eq!(ours(&text), serde_json::to_string(&text).unwrap(), "{first:?}{second:?} at {at}");
                }
            }
        }
    }

    #[test]
    fn mixed_text_is_written_as_serde_json_writes_it() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let alphabet: Vec<char> = "aZ09 \"\\/\n\r\t\u{8}\u{c}\u{0}\u{1}\u{1f}\u{7f}#]é€😀{}:,".chars().collect();
        for len in 0..200 {
            let text: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(ours(&text), serde_json::to_string(&text).unwrap(), "{text:?}");
        }
        assert_eq!(ours(""), "\"\"");
        let json = r#"{"headers":{"x-amzn-request-context":"{\"a\":1}"},"path":"/items"}"#.repeat(50);
        assert_eq!(ours(&json), serde_json::to_string(&json).unwrap());
    }
}
