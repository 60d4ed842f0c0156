//! A JSON string writer for the one big string of a buffered response, its body.
//!
//! serde_json checks a string byte by byte against its escape table; for the body of a
//! response, the longest string the adapter writes by far, that check was the largest
//! single cost of an invocation (about a tenth of its instructions with a 2 KB JSON
//! answer). [`push_str`] checks eight bytes at a time ([`crate::swar`]) and copies the
//! runs that need no escape whole. Its output is byte for byte serde_json's (a
//! test holds it to that).
//!
//! A big body is escaped a piece at a time as it is sent ([`super::payload`]): its length,
//! and which pieces need no escape at all, are measured first ([`escapes_by_piece`]).

use bytes::Bytes;

use crate::swar;

/// Appends `text` to `out` as a JSON string, quotes included, escaped as serde_json does:
/// `"` and `\` with a backslash, `\b \f \n \r \t` by name, every other control character
/// below U+0020 as `\u00xx` (lowercase hex), everything else (non-ASCII and DEL too) as is.
/// The caller sizes `out` (a body is written into a buffer reserved for it).
pub(crate) fn push_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    push_escaped(out, text.as_bytes());
    out.push(b'"');
}

/// Appends `bytes` to `out` escaped as [`push_str`] escapes them, without quotes. Only
/// ASCII bytes are ever escaped, so `bytes` may start or end inside a UTF-8 sequence: a
/// text escaped piece by piece is the same as escaped whole.
fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
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
}

/// A piece of a JSON string's content escaped as [`push_escaped`] escapes it, `extra`
/// bytes longer than `bytes` ([`escapes_by_piece`]): the same bytes, not copied, when
/// nothing needs an escape.
pub(crate) fn escaped(bytes: Bytes, extra: usize) -> Bytes {
    if extra == 0 {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + extra);
    push_escaped(&mut out, &bytes);
    debug_assert_eq!(out.len(), bytes.len() + extra);
    Bytes::from(out)
}

/// For each piece of `piece` bytes of `text` (the last may be shorter), how many bytes
/// escaping it adds ([`push_escaped`]); `None` when `text` is not UTF-8, which a JSON
/// string cannot hold. Text with other than ASCII characters is also checked by
/// `from_utf8`.
pub(crate) fn escapes_by_piece(text: &[u8], piece: usize) -> Option<Vec<usize>> {
    // Both checks are written without branches or early exits, over a whole piece, so
    // that the compiler vectorises them (SSE2, NEON): most pieces of most bodies are
    // ASCII with nothing to escape, and cost a fraction of an instruction per byte.
    let mut ascii = true;
    let extras = text
        .chunks(piece.max(1))
        .map(|piece| {
            ascii &= piece.iter().fold(0u8, |any, &byte| any | byte) < 0x80;
            let flagged = piece.iter().fold(0u8, |any, &byte| any | u8::from(needs_escape_branchless(byte)));
            if flagged == 0 {
                0
            } else {
                piece.iter().map(|&byte| escape_extra(byte)).sum()
            }
        })
        .collect();
    if !ascii && std::str::from_utf8(text).is_err() {
        return None;
    }
    Some(extras)
}

/// [`needs_escape`] without short-circuits, for the vectorised checks.
fn needs_escape_branchless(byte: u8) -> bool {
    (byte < 0x20) | (byte == b'"') | (byte == b'\\')
}

/// How many bytes escaping `byte` adds: 1 for `\"` and the named ones, 5 for `\u00xx`.
fn escape_extra(byte: u8) -> usize {
    match byte {
        b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 1,
        0..=0x1f => 5,
        _ => 0,
    }
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
            // Alone, and at each place around the edges of a word (the fast check's).
            for at in (0..4).chain(28..36).chain(60..66) {
                let text = format!("{}{c}{}", "a".repeat(at), "b".repeat(70 - at));
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
                for at in [0, 30, 31] {
                    let text = format!("{}{first}{second}{}", "a".repeat(at), "b".repeat(40 - at));
                    assert_eq!(ours(&text), serde_json::to_string(&text).unwrap(), "{first:?}{second:?} at {at}");
                }
            }
        }
    }

    /// Texts of every length up to 200 drawn from characters that need every kind of
    /// escape, none, and several bytes in UTF-8 (the same texts on every run).
    fn mixed_texts() -> Vec<String> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let alphabet: Vec<char> = "aZ09 \"\\/\n\r\t\u{8}\u{c}\u{0}\u{1}\u{1f}\u{7f}#]é€😀{}:,".chars().collect();
        (0..200)
            .map(|len| {
                (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        alphabet[(state % alphabet.len() as u64) as usize]
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn mixed_text_is_written_as_serde_json_writes_it() {
        for text in mixed_texts() {
            assert_eq!(ours(&text), serde_json::to_string(&text).unwrap(), "{text:?}");
        }
        assert_eq!(ours(""), "\"\"");
        let json = r#"{"headers":{"x-amzn-request-context":"{\"a\":1}"},"path":"/items"}"#.repeat(50);
        assert_eq!(ours(&json), serde_json::to_string(&json).unwrap());
    }

    /// serde_json's string for `text` without its quotes.
    fn serde_content(text: &str) -> String {
        let quoted = serde_json::to_string(text).unwrap();
        quoted[1..quoted.len() - 1].to_owned()
    }

    /// Escaped in pieces of `piece` bytes, as a payload sends a body.
    fn in_pieces(text: &str, piece: usize) -> Option<String> {
        let extras = escapes_by_piece(text.as_bytes(), piece)?;
        let bytes = Bytes::from(text.to_owned());
        let pieces = (0..bytes.len()).step_by(piece).map(|at| bytes.slice(at..(at + piece).min(bytes.len())));
        let joined: Vec<u8> = pieces.zip(extras).flat_map(|(bytes, extra)| escaped(bytes, extra)).collect();
        Some(String::from_utf8(joined).expect("UTF-8 in, UTF-8 out"))
    }

    /// Cut anywhere a piece ends (inside a UTF-8 sequence, between a backslash and what
    /// follows), the escaped pieces join to serde_json's string, and each is as long as
    /// measured (`escaped` checks that in debug builds).
    #[test]
    fn escaped_pieces_join_to_serde_jsons_string() {
        let long: Vec<String> = mixed_texts().into_iter().map(|text| text.repeat(3)).collect();
        for text in mixed_texts().iter().chain(&long) {
            for piece in [1, 7, 32, 160] {
                assert_eq!(in_pieces(text, piece).as_deref(), Some(&serde_content(text)[..]), "{text:?} by {piece}");
            }
        }
        for c in (0u8..=0x7f).map(char::from) {
            for at in (0..4).chain(28..36) {
                let text = format!("{}{c}{}", "a".repeat(at), "b".repeat(70 - at));
                assert_eq!(in_pieces(&text, 8).unwrap(), serde_content(&text), "{c:?} at {at}");
            }
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let text = |bytes: &[u8]| escapes_by_piece(bytes, 32);
        assert_eq!(text(b"abcdefgh\xff"), None, "a stray byte");
        assert_eq!(text(&[&b"\xc3"[..], &[b'a'; 40]].concat()), None, "a sequence cut short in a piece");
        assert_eq!(text(&[b'a', 0xe2, 0x82]), None, "cut short at the end");
        let across = format!("{}é€😀\"", "a".repeat(31));
        assert_eq!(text(across.as_bytes()), Some(vec![0, 1]), "characters across pieces are whole");
    }

    #[test]
    fn a_piece_without_escapes_is_not_copied() {
        let clean = Bytes::from("plain text, é and € included; no quote or control character".repeat(100));
        let extras = escapes_by_piece(&clean, 2048).unwrap();
        assert!(extras.iter().all(|&extra| extra == 0), "{extras:?}");
        assert_eq!(escaped(clean.clone(), 0).as_ptr(), clean.as_ptr());
        let quoted = Bytes::from_static(b"say \"hi\"");
        assert_eq!(escapes_by_piece(&quoted, 32), Some(vec![2]));
        assert_eq!(&escaped(quoted, 2)[..], br#"say \"hi\""#);
    }
}
