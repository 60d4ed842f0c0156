//! Typed access to event fields with errors that name the field and the problem.

use serde_json::{Map, Value};

use super::{EventError, Source};

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
