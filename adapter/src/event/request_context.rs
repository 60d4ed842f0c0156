//! The event's `requestContext` for `x-amzn-request-context`: read exactly as sent, and
//! minified into one header line.

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
    let is_space = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let bytes = json.as_bytes();
    if !bytes.iter().copied().any(is_space) {
        return std::borrow::Cow::Borrowed(json);
    }
    // Byte-wise: the bytes that matter (quote, backslash, whitespace) are ASCII and never
    // part of a multi-byte UTF-8 sequence, so runs of other bytes are copied whole.
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped, mut run) = (false, false, 0);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if is_space(b) {
            out.push_str(&json[run..i]);
            run = i + 1;
        }
    }
    out.push_str(&json[run..]);
    std::borrow::Cow::Owned(out)
}
