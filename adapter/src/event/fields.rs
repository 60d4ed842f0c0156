//! Typed access to event fields with errors that name the field and the problem, and
//! [`Fields`]: the accessors each HTTP source writes its rules with, once, for both the
//! `Value`-based reader ([`ValueEvent`]) and the fast path's borrowed shape.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{EventError, HttpEvent, Source};

/// A JSON object inside an event, with the dotted path used in error messages.
#[derive(Clone)]
pub(crate) struct Obj<'a> {
    pub(crate) source: Source,
    pub(crate) path: String,
    pub(crate) map: &'a Map<String, Value>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Obj<'a> {
    pub(crate) fn root(source: Source, map: &'a Map<String, Value>) -> Self {
        Obj { source, path: String::new(), map }
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn error(&self, key: &str, problem: impl Into<String>) -> EventError {
        EventError::Field { kind: self.source, field: self.field(key), problem: problem.into() }
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A string field; absent and `null` are `None`.
    pub(crate) fn str_opt(&self, key: &str) -> Result<Option<&'a str>, EventError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(key, format!("must be a string, got {}", kind(other)))),
        }
    }

    /// A required string field.
    pub(crate) fn str_req(&self, key: &str) -> Result<&'a str, EventError> {
        self.str_opt(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    /// A boolean field; absent and `null` are `false`.
    pub(crate) fn bool_or_false(&self, key: &str) -> Result<bool, EventError> {
        match self.present(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.error(key, format!("must be a boolean, got {}", kind(other)))),
        }
    }

    /// An object field; absent and `null` are `None`.
    pub(crate) fn obj_opt(&self, key: &str) -> Result<Option<Obj<'a>>, EventError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj { source: self.source, path: self.field(key), map })),
            Some(other) => Err(self.error(key, format!("must be an object, got {}", kind(other)))),
        }
    }

    /// The raw value of a field, if present and not null.
    pub(crate) fn value(&self, key: &str) -> Option<&'a Value> {
        self.present(key)
    }

    /// `{"name": "value"}` pairs in event order. Values that are not strings are
    /// reported through `bad` and skipped (a single odd header must not cost the event).
    pub(crate) fn single_map(
        &self,
        key: &'a str,
        bad: &mut dyn FnMut(String),
    ) -> Result<Option<Vec<(&'a str, &'a str)>>, EventError> {
        let Some(obj) = self.obj_opt(key)? else { return Ok(None) };
        let mut pairs = Vec::with_capacity(obj.map.len());
        for (name, value) in obj.map {
            match value {
                Value::String(s) => pairs.push((name.as_str(), s.as_str())),
                Value::Null => {}
                other => bad(format!("{key}.{name} is {}, not a string; dropped", kind(other))),
            }
        }
        Ok(Some(pairs))
    }

    /// `{"name": ["v1", "v2"]}` or `{"name": "v"}` pairs in event order, one pair per
    /// value: for sources whose documented lists some producers send as plain strings.
    pub(crate) fn list_or_single_map(
        &self,
        key: &'a str,
        bad: &mut dyn FnMut(String),
    ) -> Result<Option<Vec<(&'a str, &'a str)>>, EventError> {
        self.lists(key, true, bad)
    }

    /// `{"name": ["v1", "v2"]}` pairs in event order, one pair per value.
    pub(crate) fn multi_map(
        &self,
        key: &'a str,
        bad: &mut dyn FnMut(String),
    ) -> Result<Option<Vec<(&'a str, &'a str)>>, EventError> {
        self.lists(key, false, bad)
    }

    /// The pairs of an object of string lists (and of plain strings, when `single_ok`);
    /// values of any other type are reported through `bad` and skipped.
    fn lists(
        &self,
        key: &'a str,
        single_ok: bool,
        bad: &mut dyn FnMut(String),
    ) -> Result<Option<Vec<(&'a str, &'a str)>>, EventError> {
        let Some(obj) = self.obj_opt(key)? else { return Ok(None) };
        let expected = if single_ok { "a string or a list of strings" } else { "a list of strings" };
        let mut pairs = Vec::with_capacity(obj.map.len());
        for (name, value) in obj.map {
            match value {
                Value::String(s) if single_ok => pairs.push((name.as_str(), s.as_str())),
                Value::Array(items) => {
                    for item in items {
                        match item {
                            Value::String(s) => pairs.push((name.as_str(), s.as_str())),
                            Value::Null => {}
                            other => bad(format!("{key}.{name} holds {}, not a string; dropped", kind(other))),
                        }
                    }
                }
                Value::Null => {}
                other => bad(format!("{key}.{name} is {}, not {expected}; dropped", kind(other))),
            }
        }
        Ok(Some(pairs))
    }
}

/// The top-level fields the HTTP sources take, by their JSON names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    HttpMethod,
    Path,
    RawPath,
    RawQueryString,
    Headers,
    MultiValueHeaders,
    QueryStringParameters,
    MultiValueQueryStringParameters,
    Cookies,
    Body,
    IsBase64Encoded,
}

impl Key {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Key::HttpMethod => "httpMethod",
            Key::Path => "path",
            Key::RawPath => "rawPath",
            Key::RawQueryString => "rawQueryString",
            Key::Headers => "headers",
            Key::MultiValueHeaders => "multiValueHeaders",
            Key::QueryStringParameters => "queryStringParameters",
            Key::MultiValueQueryStringParameters => "multiValueQueryStringParameters",
            Key::Cookies => "cookies",
            Key::Body => "body",
            Key::IsBase64Encoded => "isBase64Encoded",
        }
    }
}

/// What a source's rules read from an event: the same for both readers, with the
/// strings each reader holds (`&str` into a `Value`, or `Cow` borrowed from the bytes).
pub(crate) struct Read<S> {
    pub(crate) method: S,
    pub(crate) path: S,
    /// The query string, already in wire form, without `?`.
    pub(crate) query: String,
    pub(crate) headers: Vec<(S, S)>,
    pub(crate) cookies: Vec<S>,
    pub(crate) body: Option<S>,
    pub(crate) base64: bool,
    pub(crate) multi_value: bool,
}

impl<'a> From<Read<&'a str>> for HttpEvent<'a> {
    fn from(read: Read<&'a str>) -> Self {
        HttpEvent {
            method: read.method,
            path: Cow::Borrowed(read.path),
            query: read.query,
            headers: read.headers,
            cookies: read.cookies,
            body: read.body,
            base64: read.base64,
            // Filled in from the raw event by `translate`.
            request_context: None,
            multi_value: read.multi_value,
        }
    }
}

/// Name/value pairs of an event, in the strings its reader holds.
pub(crate) type StrPairs<F> = Vec<(<F as Fields>::Str, <F as Fields>::Str)>;

/// The accessors a source's rules are written with, so each source states its rules once
/// (`read<F: Fields>` in its module) and both readers apply them: [`ValueEvent`] (names a
/// problem, drops an odd value with a warning) and the fast path's borrowed shape (gives
/// up on anything unusual). Absent and `null` are the same everywhere. Every call takes
/// the field: each is read once.
pub(crate) trait Fields {
    /// A string of the event.
    type Str: AsRef<str> + Into<String>;
    /// What a missing or mistyped field is.
    type Error;
    /// A string field; absent and `null` are `None`.
    fn str_opt(&mut self, key: Key) -> Result<Option<Self::Str>, Self::Error>;
    /// A required string field.
    fn str_req(&mut self, key: Key) -> Result<Self::Str, Self::Error>;
    /// A boolean field; absent and `null` are `false`.
    fn bool_or_false(&mut self, key: Key) -> Result<bool, Self::Error>;
    /// Whether a field is present and not `null`.
    fn has(&self, key: Key) -> bool;
    /// `{"name": "value"}` pairs in event order.
    fn single_map(&mut self, key: Key) -> Result<Option<StrPairs<Self>>, Self::Error>;
    /// `{"name": ["v1", "v2"]}` pairs in event order, one pair per value.
    fn multi_map(&mut self, key: Key) -> Result<Option<StrPairs<Self>>, Self::Error>;
    /// A list of strings; absent and `null` are empty.
    fn str_list(&mut self, key: Key) -> Result<Vec<Self::Str>, Self::Error>;
    /// Requires `requestContext.http`, an object (payload format 2.0).
    fn require_http_context(&mut self) -> Result<(), Self::Error>;
    /// The required `requestContext.http.method` (payload format 2.0).
    fn http_method(&mut self) -> Result<Self::Str, Self::Error>;
}

/// An event read through `serde_json::Value`, with the warnings of its odd fields.
pub(crate) struct ValueEvent<'a, 'w> {
    pub(crate) obj: Obj<'a>,
    pub(crate) warnings: &'w mut Vec<String>,
}

impl<'a> ValueEvent<'a, '_> {
    /// `requestContext.http`, both required objects.
    fn http_context(&self) -> Result<Obj<'a>, EventError> {
        let event = &self.obj;
        let context = event.obj_opt("requestContext")?.ok_or_else(|| event.error("requestContext", "is required"))?;
        context.obj_opt("http")?.ok_or_else(|| context.error("http", "is required"))
    }
}

impl<'a> Fields for ValueEvent<'a, '_> {
    type Str = &'a str;
    type Error = EventError;

    fn str_opt(&mut self, key: Key) -> Result<Option<&'a str>, EventError> {
        self.obj.str_opt(key.name())
    }

    fn str_req(&mut self, key: Key) -> Result<&'a str, EventError> {
        self.obj.str_req(key.name())
    }

    fn bool_or_false(&mut self, key: Key) -> Result<bool, EventError> {
        self.obj.bool_or_false(key.name())
    }

    fn has(&self, key: Key) -> bool {
        self.obj.value(key.name()).is_some()
    }

    fn single_map(&mut self, key: Key) -> Result<Option<Vec<(&'a str, &'a str)>>, EventError> {
        self.obj.single_map(key.name(), &mut |w| self.warnings.push(w))
    }

    fn multi_map(&mut self, key: Key) -> Result<Option<Vec<(&'a str, &'a str)>>, EventError> {
        self.obj.multi_map(key.name(), &mut |w| self.warnings.push(w))
    }

    fn str_list(&mut self, key: Key) -> Result<Vec<&'a str>, EventError> {
        match self.obj.value(key.name()) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.as_str()),
                    _ => {
                        self.warnings.push(format!("{} holds a value that is not a string; dropped", key.name()));
                        None
                    }
                })
                .collect()),
            Some(_) => Err(self.obj.error(key.name(), "must be an array of strings")),
        }
    }

    fn require_http_context(&mut self) -> Result<(), EventError> {
        self.http_context().map(|_| ())
    }

    fn http_method(&mut self) -> Result<&'a str, EventError> {
        self.http_context()?.str_req("method")
    }
}
