//! HTTP API (payload format 2.0) and Function URL events: `rawPath` and
//! `rawQueryString` verbatim, `cookies` joined into one `cookie` header.

use serde_json::Value;

use super::fields::Obj;
use super::{EventError, HttpEvent};

pub(crate) fn read<'a>(event: Obj<'a>, warnings: &mut Vec<String>) -> Result<HttpEvent<'a>, EventError> {
    let mut warn = |w: String| warnings.push(w);
    let context = event.obj_opt("requestContext")?.ok_or_else(|| event.error("requestContext", "is required"))?;
    let http = context.obj_opt("http")?.ok_or_else(|| context.error("http", "is required"))?;
    let cookies = match event.value("cookies") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(s.as_str()),
                _ => {
                    warn("cookies holds a value that is not a string; dropped".to_owned());
                    None
                }
            })
            .collect(),
        Some(_) => return Err(event.error("cookies", "must be an array of strings")),
    };
    Ok(HttpEvent {
        method: http.str_req("method")?,
        path: event.str_req("rawPath")?.into(),
        query: event.str_opt("rawQueryString")?.unwrap_or("").to_owned(),
        headers: event.single_map("headers", &mut warn)?.unwrap_or_default(),
        cookies,
        body: event.str_opt("body")?,
        base64: event.bool_or_false("isBase64Encoded")?,
        // Filled in from the raw event by `translate`.
        request_context: None,
        multi_value: false,
    })
}
