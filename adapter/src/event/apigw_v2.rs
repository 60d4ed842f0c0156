//! HTTP API (payload format 2.0) and Function URL events: `rawPath` and
//! `rawQueryString` verbatim, `cookies` joined into one `cookie` header.
//!
//! The rules are stated once, over [`Fields`]: the fast path applies them to its borrowed
//! shape, the `Value`-based reader to the parsed event.

use super::fields::{Fields, Key, Read};

pub(crate) fn read<F: Fields>(event: &mut F) -> Result<Read<F::Str>, F::Error> {
    event.require_http_context()?;
    let cookies = event.str_list(Key::Cookies)?;
    Ok(Read {
        method: event.http_method()?,
        path: event.str_req(Key::RawPath)?,
        query: event.str_opt(Key::RawQueryString)?.map(Into::into).unwrap_or_default(),
        headers: event.single_map(Key::Headers)?.unwrap_or_default(),
        cookies,
        body: event.str_opt(Key::Body)?,
        base64: event.bool_or_false(Key::IsBase64Encoded)?,
        multi_value: false,
    })
}
